import type { AdminEmails } from "@chat/contracts";
import type { ObjectStorage } from "@chat/storage";

/** What the handlers know besides the database. */
export type StoreRequestContext = {
  /** ADMIN_EMAILS, to check a staff action's actor again. */
  adminEmails: Pick<AdminEmails, "roleOf">;
  /**
   * Where uploaded files are, so a chat's go with it. Every service that runs the store passes
   * it; only unit tests of requests that touch no attachment leave it out.
   */
  storage?: Pick<ObjectStorage, "delete">;
  /** SESSION_IDLE_MINUTES in milliseconds (15 minutes when absent): a chat's session ends after this long without activity. */
  sessionIdleMs?: number;
};
