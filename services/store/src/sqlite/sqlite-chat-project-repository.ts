import type { Database } from "bun:sqlite";
import { AppError, type ChatProject } from "@chat/contracts";
import type {
  ChatProjectChanges,
  ChatProjectRepository,
  NewChatProject,
} from "../chat-project-repository.ts";
import type { FieldCipher } from "../encryption/field-cipher.ts";
import { toSortableTimestamp } from "../page-cursor.ts";
import { prepareStatement } from "./prepare-statement.ts";

type ChatProjectRow = {
  id: string;
  name: string;
  instructions: string;
  model: string | null;
  created_at: string;
};

const columns = "id, name, instructions, model, created_at";

function toChatProject(row: ChatProjectRow, cipher: FieldCipher): ChatProject {
  return {
    id: row.id,
    name: cipher.open("project.name", row.name),
    instructions: cipher.open("project.instructions", row.instructions),
    ...(row.model !== null && { model: row.model }),
    createdAt: row.created_at,
  };
}

function prepareChatProjectStatements(database: Database) {
  const prepare = <Row>(sql: string) => prepareStatement<Row>(database, sql);
  return {
    insert: prepare(
      `INSERT INTO chat_projects (id, user_id, name, instructions, model, created_at)
       VALUES ($id, $userId, $name, $instructions, $model, $createdAt)
       ON CONFLICT (id) DO NOTHING`,
    ),
    byId: prepare<ChatProjectRow>(
      `SELECT ${columns} FROM chat_projects WHERE id = $id AND user_id = $userId`,
    ),
    ofUser: prepare<ChatProjectRow>(
      `SELECT ${columns} FROM chat_projects WHERE user_id = $userId ORDER BY created_at, id`,
    ),
    // A null binding keeps the column.
    update: prepare<ChatProjectRow>(
      `UPDATE chat_projects SET
         name = coalesce($name, name),
         instructions = coalesce($instructions, instructions),
         model = CASE WHEN $keepModel THEN model ELSE $model END
       WHERE id = $id AND user_id = $userId
       RETURNING ${columns}`,
    ),
    leaveProject: prepare("UPDATE chats SET project_id = NULL WHERE project_id = $id AND user_id = $userId"),
    delete: prepare("DELETE FROM chat_projects WHERE id = $id AND user_id = $userId"),
    deleteOfUser: prepare("DELETE FROM chat_projects WHERE user_id = $userId"),
  };
}

/**
 * The projects of the SQLite store, their name and instructions encrypted at rest; a deleted
 * project's chats leave it in the same transaction.
 *
 * @example
 * const projects = new SqliteChatProjectRepository(database, cipher);
 */
export class SqliteChatProjectRepository implements ChatProjectRepository {
  private readonly statements: ReturnType<typeof prepareChatProjectStatements>;
  private readonly deleteWithChatsLeaving: (id: string, userId: string) => boolean;

  constructor(
    database: Database,
    private readonly cipher: FieldCipher,
  ) {
    const statements = prepareChatProjectStatements(database);
    this.statements = statements;
    this.deleteWithChatsLeaving = database.transaction((id: string, userId: string) => {
      statements.leaveProject.run({ id, userId });
      return statements.delete.run({ id, userId }).changes > 0;
    }).immediate;
  }

  async createProject(project: NewChatProject): Promise<ChatProject> {
    this.statements.insert.run({
      id: project.id,
      userId: project.userId,
      name: this.cipher.seal("project.name", project.name),
      instructions: this.cipher.seal("project.instructions", project.instructions),
      model: project.model ?? null,
      createdAt: toSortableTimestamp(project.createdAt),
    });
    const row = this.statements.byId.get({ id: project.id, userId: project.userId });
    if (!row) throw new AppError("VALIDATION_FAILED", "This project id is already in use");
    return toChatProject(row, this.cipher);
  }

  async getProject(projectId: string, userId: string): Promise<ChatProject | null> {
    const row = this.statements.byId.get({ id: projectId, userId });
    return row ? toChatProject(row, this.cipher) : null;
  }

  async listProjects(userId: string): Promise<ChatProject[]> {
    return this.statements.ofUser.all({ userId }).map((row) => toChatProject(row, this.cipher));
  }

  async updateProject(
    projectId: string,
    userId: string,
    changes: ChatProjectChanges,
  ): Promise<ChatProject | null> {
    const row = this.statements.update.get({
      id: projectId,
      userId,
      name: changes.name === undefined ? null : this.cipher.seal("project.name", changes.name),
      instructions:
        changes.instructions === undefined
          ? null
          : this.cipher.seal("project.instructions", changes.instructions),
      keepModel: changes.model === undefined ? 1 : 0,
      model: changes.model ?? null,
    });
    return row ? toChatProject(row, this.cipher) : null;
  }

  async deleteProject(projectId: string, userId: string): Promise<boolean> {
    return this.deleteWithChatsLeaving(projectId, userId);
  }

  async eraseUserProjects(userId: string): Promise<void> {
    this.statements.deleteOfUser.run({ userId });
  }
}
