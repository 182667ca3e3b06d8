/** FNV-1a over the chat id, so every instance routes a chat to the same partition. */
export function partitionOf(chatId: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < chatId.length; index++) {
    hash ^= chatId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
