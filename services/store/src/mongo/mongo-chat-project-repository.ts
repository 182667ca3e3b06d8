import { AppError, type ChatProject } from "@chat/contracts";
import type { Collection, Db, UpdateFilter } from "mongodb";
import type {
  ChatProjectChanges,
  ChatProjectRepository,
  NewChatProject,
} from "../chat-project-repository.ts";
import type { FieldCipher } from "../encryption/field-cipher.ts";
import { toSortableTimestamp } from "../page-cursor.ts";
import { isDuplicateKey } from "./is-duplicate-key.ts";
import type { ChatDocument } from "./mongo-chat-documents.ts";

/** A document of `chatProjects`; `_id` is the project's id. */
type ChatProjectDocument = {
  _id: string;
  userId: string;
  name: string;
  instructions: string;
  model?: string;
  createdAt: Date;
};

function toChatProject(document: ChatProjectDocument, cipher: FieldCipher): ChatProject {
  return {
    id: document._id,
    name: cipher.open("project.name", document.name),
    instructions: cipher.open("project.instructions", document.instructions),
    ...(document.model != null && { model: document.model }),
    createdAt: document.createdAt.toISOString(),
  };
}

/**
 * The projects of the MongoDB store, their name and instructions encrypted at rest. A deleted project's chats leave it before the project goes,
 * so a crash between the two writes leaves a project that a repeated deletion finishes.
 *
 * @example
 * const projects = new MongoChatProjectRepository(database, cipher);
 * await projects.init();
 */
export class MongoChatProjectRepository implements ChatProjectRepository {
  private readonly projects: Collection<ChatProjectDocument>;
  private readonly chats: Collection<ChatDocument>;

  constructor(
    database: Db,
    private readonly cipher: FieldCipher,
  ) {
    this.projects = database.collection<ChatProjectDocument>("chatProjects");
    this.chats = database.collection<ChatDocument>("chats");
  }

  /** Creates the indexes (creating an existing index is a no-op). */
  async init(): Promise<void> {
    await this.projects.createIndexes([{ key: { userId: 1, createdAt: 1, _id: 1 }, name: "by_owner_time" }]);
  }

  async createProject(project: NewChatProject): Promise<ChatProject> {
    const document: ChatProjectDocument = {
      _id: project.id,
      userId: project.userId,
      name: this.cipher.seal("project.name", project.name),
      instructions: this.cipher.seal("project.instructions", project.instructions),
      ...(project.model !== undefined && { model: project.model }),
      createdAt: new Date(toSortableTimestamp(project.createdAt)),
    };
    try {
      await this.projects.insertOne(document);
      return toChatProject(document, this.cipher);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const existing = await this.projects.findOne({ _id: project.id, userId: project.userId });
    if (!existing) throw new AppError("VALIDATION_FAILED", "This project id is already in use");
    return toChatProject(existing, this.cipher);
  }

  async getProject(projectId: string, userId: string): Promise<ChatProject | null> {
    const document = await this.projects.findOne({ _id: projectId, userId });
    return document ? toChatProject(document, this.cipher) : null;
  }

  async listProjects(userId: string): Promise<ChatProject[]> {
    const documents = await this.projects.find({ userId }).sort({ createdAt: 1, _id: 1 }).toArray();
    return documents.map((document) => toChatProject(document, this.cipher));
  }

  async updateProject(
    projectId: string,
    userId: string,
    changes: ChatProjectChanges,
  ): Promise<ChatProject | null> {
    const set: Partial<Pick<ChatProjectDocument, "name" | "instructions" | "model">> = {};
    if (changes.name !== undefined) set.name = this.cipher.seal("project.name", changes.name);
    if (changes.instructions !== undefined)
      set.instructions = this.cipher.seal("project.instructions", changes.instructions);
    if (changes.model) set.model = changes.model;
    const update: UpdateFilter<ChatProjectDocument> = {
      ...(Object.keys(set).length > 0 && { $set: set }),
      ...(changes.model === null && { $unset: { model: "" as const } }),
    };
    const document =
      Object.keys(update).length === 0
        ? await this.projects.findOne({ _id: projectId, userId })
        : await this.projects.findOneAndUpdate({ _id: projectId, userId }, update, {
            returnDocument: "after",
          });
    return document ? toChatProject(document, this.cipher) : null;
  }

  async deleteProject(projectId: string, userId: string): Promise<boolean> {
    if (!(await this.projects.findOne({ _id: projectId, userId }))) return false;
    await this.chats.updateMany({ projectId, userId }, { $set: { projectId: null } });
    const { deletedCount } = await this.projects.deleteOne({ _id: projectId, userId });
    return deletedCount > 0;
  }

  async eraseUserProjects(userId: string): Promise<void> {
    await this.projects.deleteMany({ userId });
  }
}
