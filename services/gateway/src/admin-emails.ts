import type { Role } from "@chat/contracts";

/**
 * The emails of ADMIN_EMAILS, compared without regard to case. A listed email makes its user admin
 * whenever a token is issued, so removing it from the list takes the role away again (once the
 * user's access token expires); the admin role of the first account is stored with it.
 *
 * @example
 * const admins = new AdminEmails("ada@example.com, Grace@Example.com");
 * admins.roleOf({ email: "grace@example.com", role: "user" }); // "admin"
 */
export class AdminEmails {
  private readonly emails: ReadonlySet<string>;

  constructor(list: string | undefined) {
    this.emails = new Set(
      (list ?? "")
        .split(",")
        .map((email) => email.trim().toLowerCase())
        .filter((email) => email.length > 0),
    );
  }

  includes(email: string): boolean {
    return email.length > 0 && this.emails.has(email.trim().toLowerCase());
  }

  /** The user's role now: admin when stored as admin or when the email is listed. */
  roleOf(user: { email: string; role: Role }): Role {
    return user.role === "admin" || this.includes(user.email) ? "admin" : "user";
  }
}
