import { emailAddressProblem, normalizeEmail, type Role } from "@chat/contracts";

/**
 * The emails of ADMIN_EMAILS, compared in `normalizeEmail`'s form, so case and look-alike forms do
 * not matter, while an email with a control or invisible character never matches. A listed email
 * makes its user admin whenever a token is issued, so removing it from the list takes the role
 * away again (once the user's access token expires); the admin role of the first account is stored
 * with it. Callers pass only an email the user is known to own: a local account's, or an identity
 * provider's verified one.
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
        .filter((email) => email.trim().length > 0)
        .map(normalizeEmail),
    );
  }

  includes(email: string): boolean {
    return emailAddressProblem(email) === null && this.emails.has(normalizeEmail(email));
  }

  /** The user's role now: admin when stored as admin or when the email is listed. */
  roleOf(user: { email: string; role: Role }): Role {
    return user.role === "admin" || this.includes(user.email) ? "admin" : "user";
  }
}
