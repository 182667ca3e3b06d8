import type { ChatProject } from "@chat/contracts";

/** A project to create; `userId` owns it. */
export type NewChatProject = ChatProject & { userId: string };

/** The settings `updateProject` changes; an absent field keeps its value, `model: null` clears it. */
export type ChatProjectChanges = { name?: string; instructions?: string; model?: string | null };

/**
 * The port of the projects aggregate: named groups of a user's chats, each with instructions for
 * the model and a default model. A chat names its project (`projectId`, see ChatRepository); every
 * read or write names the owner, and another user's project behaves like one that does not exist.
 * Adapters: `SqliteChatProjectRepository` and `MongoChatProjectRepository`.
 */
export interface ChatProjectRepository {
  /**
   * Creates the project; the same id again for the same user returns the stored project, and an id
   * that another user's project holds throws VALIDATION_FAILED.
   */
  createProject(project: NewChatProject): Promise<ChatProject>;
  getProject(projectId: string, userId: string): Promise<ChatProject | null>;
  /** All the user's projects, oldest first. */
  listProjects(userId: string): Promise<ChatProject[]>;
  /** Null when the user has no such project. */
  updateProject(projectId: string, userId: string, changes: ChatProjectChanges): Promise<ChatProject | null>;
  /**
   * Deletes the project; the chats still in it stay, in no project. False when the user had no such
   * project.
   */
  deleteProject(projectId: string, userId: string): Promise<boolean>;
  /** Deletes every project of the user (account deletion). */
  eraseUserProjects(userId: string): Promise<void>;
}
