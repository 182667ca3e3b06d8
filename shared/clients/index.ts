// Kept while the gateway still imports from here (phase 2 of issue 10 moves it to @chat/bus and @chat/state).
export { StoreClient } from "@chat/bus";
export type { StoreReplies } from "@chat/contracts";
export { ChatEventPublisher } from "@chat/state";
