import { type Static, Type } from "@sinclair/typebox";
import { type ChatEventType, chatEventDataSchemas, chatEventTypes } from "../events.ts";
import { Id } from "../http.ts";
import { busMessage, type Envelope } from "./envelope.ts";

function chatEventMessage<T extends ChatEventType>(type: T) {
  return busMessage(type, {
    userId: Id,
    eventId: Type.String({ minLength: 1, description: "Id from the chat's replay log" }),
    data: chatEventDataSchemas[type],
  });
}

/** A client-visible event on the `chat.events` topic exchange. */
export const ChatEventMessage = Type.Union(chatEventTypes.map(chatEventMessage));
export type ChatEventMessage = {
  [T in ChatEventType]: Envelope & {
    type: T;
    userId: string;
    eventId: string;
    data: Static<(typeof chatEventDataSchemas)[T]>;
  };
}[ChatEventType];

/** Routing key of an event about a chat. */
export function chatEventKey(chatId: string, type: string): string {
  return `chat.${chatId}.${type}`;
}

/** Routing key of an event for every connection of one user. */
export function userEventKey(userId: string, type: string): string {
  return `user.${userId}.${type}`;
}
