import { emailAddressProblem, normalizeEmail } from "./email-address.ts";
import type { Role } from "./http.ts";

/**
 * The emails of ADMIN_EMAILS, compared in `normalizeEmail`'s form, so case and look-alike forms do
 * not matter, while an email with a control or invisible character never matches. A listed email
 * makes its user admin whenever a role is decided (a token issued, a staff route called, a role
 * change checked again by the store), so removing it from the list takes the role away again; any
 * other role is the one stored. Callers pass only an email the user is known to own: a local
 * account's, or an identity provider's verified one.
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

  /** The user's role now: admin when the email is listed, else the stored one. */
  roleOf(user: { email: string; role: Role }): Role {
    return this.includes(user.email) ? "admin" : user.role;
  }
}
