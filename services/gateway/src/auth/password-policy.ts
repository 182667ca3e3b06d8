import { AppError } from "@chat/contracts";

/** What a new password is checked against. */
export type PasswordPolicy = { minLength: number };

/**
 * Why `password` is not acceptable for this account, or null when it is: shorter than `minLength`
 * characters (code points, so an emoji counts once), the account's email, the part of it before
 * the @, or its name (in any case, around spaces), or one character repeated.
 *
 * @example
 * passwordProblem("aaaaaaaaaaaa", { email: "ada@example.com", name: "Ada" }, { minLength: 10 });
 * // "The password must not be one character repeated"
 */
export function passwordProblem(
  password: string,
  account: { email: string; name: string },
  policy: PasswordPolicy,
): string | null {
  if ([...password].length < policy.minLength) {
    return `The password must have at least ${policy.minLength} characters`;
  }
  const normalized = password.trim().toLowerCase();
  const email = account.email.trim().toLowerCase();
  const forbidden = [email, email.split("@")[0] ?? "", account.name.trim().toLowerCase()];
  if (forbidden.some((value) => value.length > 0 && normalized === value)) {
    return "The password must not be the email or the name";
  }
  if (/^(.)\1*$/su.test(password)) return "The password must not be one character repeated";
  return null;
}

/** Throws VALIDATION_FAILED (400) with a detail at `/password` when the policy refuses it. */
export function checkPasswordPolicy(
  password: string,
  account: { email: string; name: string },
  policy: PasswordPolicy,
): void {
  const problem = passwordProblem(password, account, policy);
  if (problem === null) return;
  throw new AppError("VALIDATION_FAILED", problem, {
    retryable: false,
    details: [{ path: "/password", message: problem }],
  });
}
