/**
 * Whether a topic routing key matches a binding pattern the way RabbitMQ's topic exchange decides
 * it: words split on `.`, `*` stands for exactly one word, `#` for zero or more.
 *
 * @example
 * matchesTopicPattern("chat.*.message_chunk", "chat.c1.message_chunk"); // true
 * matchesTopicPattern("user.u1.#", "user.u1"); // true
 */
export function matchesTopicPattern(pattern: string, routingKey: string): boolean {
  return matchesFrom(pattern.split("."), 0, routingKey.split("."), 0);
}

function matchesFrom(pattern: string[], patternIndex: number, key: string[], keyIndex: number): boolean {
  if (patternIndex === pattern.length) return keyIndex === key.length;
  const word = pattern[patternIndex];
  if (word === "#") {
    for (let next = keyIndex; next <= key.length; next++) {
      if (matchesFrom(pattern, patternIndex + 1, key, next)) return true;
    }
    return false;
  }
  if (keyIndex === key.length) return false;
  return (
    (word === "*" || word === key[keyIndex]) && matchesFrom(pattern, patternIndex + 1, key, keyIndex + 1)
  );
}
