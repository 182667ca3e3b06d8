export { ChatEventPublisher } from "./src/chat-event-publisher.ts";
export { StoreClient, type StoreReplies } from "./src/store-client.ts";
