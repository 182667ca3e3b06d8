import type { ChatProject } from "@chat/contracts";
import type { ReactiveControllerHost } from "lit";
import { type ApiClient, apiClient } from "../api-client.ts";

/** What a project's dialog saves. */
export type ProjectSettings = { name: string; instructions: string; model?: string };

/**
 * The signed-in user's projects, oldest first: loaded on sign-in, created, changed and deleted
 * on the server. Each write throws the API's error.
 */
export class ChatProjectsController {
  projects: ChatProject[] = [];
  private readonly api: ApiClient;

  constructor(
    private readonly host: ReactiveControllerHost,
    api: ApiClient = apiClient,
  ) {
    this.api = api;
  }

  async load(): Promise<void> {
    try {
      this.projects = (await this.api.listProjects()).projects;
    } catch {
      // Without projects the chats still show; the next sign-in tries again.
      this.projects = [];
    }
    this.host.requestUpdate();
  }

  find(projectId: string | undefined): ChatProject | undefined {
    return this.projects.find((project) => project.id === projectId);
  }

  async create(settings: ProjectSettings): Promise<ChatProject> {
    const project = await this.api.createProject(settings);
    this.projects = [...this.projects, project];
    this.host.requestUpdate();
    return project;
  }

  async update(projectId: string, settings: ProjectSettings): Promise<ChatProject> {
    const project = await this.api.updateProject(projectId, { ...settings, model: settings.model ?? null });
    this.projects = this.projects.map((shown) => (shown.id === projectId ? project : shown));
    this.host.requestUpdate();
    return project;
  }

  async delete(projectId: string, keepChats: boolean): Promise<void> {
    await this.api.deleteProject(projectId, keepChats);
    this.projects = this.projects.filter((project) => project.id !== projectId);
    this.host.requestUpdate();
  }

  clear(): void {
    this.projects = [];
    this.host.requestUpdate();
  }
}
