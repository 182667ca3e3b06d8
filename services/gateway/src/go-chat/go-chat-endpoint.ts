import { AppError, Id } from "@chat/contracts";
import { Value } from "@sinclair/typebox/value";
import type { UserChats } from "../chats/user-chats.ts";
import type { WebSocketEndpoint } from "../websocket/websocket-routes.ts";
import { GoChatProtocol } from "./go-chat-protocol.ts";

/** The upgrade path of the Go Chat compatible socket. */
export const goChatSocketPath = "/ws/chat";

/**
 * `GET /ws/chat?projectId=`: the Go Chat compatible socket of one project (one chat of the
 * caller's). Authentication, the Origin check, limits and keep-alive are `/ws`'s; before the
 * upgrade the project must be the caller's (else 404 CHAT_NOT_FOUND, as `GET /api/projects/:id`),
 * and once open the socket follows its chat and speaks `GoChatProtocol`.
 */
export function goChatEndpoint(userChats: Pick<UserChats, "checkOwner">): WebSocketEndpoint<string> {
  return {
    path: goChatSocketPath,
    async admit(caller, query, traceparent) {
      const { projectId } = query;
      if (!Value.Check(Id, projectId)) {
        throw new AppError("VALIDATION_FAILED", "Name the project: ?projectId=<id>", {
          retryable: false,
          details: [{ path: "/projectId", message: "must be a project's id" }],
        });
      }
      await userChats.checkOwner(caller.user.id, projectId, traceparent);
      return projectId;
    },
    protocolFor: (projectId) => new GoChatProtocol(projectId),
    opened: (session, projectId) => session.followChat(projectId),
  };
}
