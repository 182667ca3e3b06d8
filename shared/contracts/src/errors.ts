import { type Static, Type } from "@sinclair/typebox";

/** Every error code the system answers with; one place maps each to its HTTP status. */
export const ErrorCode = Type.Union(
  [
    Type.Literal("VALIDATION_FAILED"),
    Type.Literal("MALFORMED_JSON"),
    Type.Literal("PAYLOAD_TOO_LARGE"),
    Type.Literal("UNSUPPORTED_MEDIA_TYPE"),
    Type.Literal("DUPLICATE_COOKIE"),
    Type.Literal("UNAUTHORIZED"),
    Type.Literal("INVALID_CREDENTIALS"),
    Type.Literal("NOT_CONFIRMED"),
    Type.Literal("FORBIDDEN"),
    Type.Literal("FORBIDDEN_ORIGIN"),
    Type.Literal("EMAIL_TAKEN"),
    Type.Literal("CHAT_NOT_FOUND"),
    Type.Literal("ATTACHMENT_NOT_FOUND"),
    Type.Literal("SHARE_NOT_FOUND"),
    Type.Literal("PROJECT_NOT_FOUND"),
    Type.Literal("QUOTA_EXCEEDED"),
    Type.Literal("SPEECH_NOT_CONFIGURED"),
    Type.Literal("KEY_NOT_FOUND"),
    Type.Literal("USER_NOT_FOUND"),
    Type.Literal("LAST_ADMIN"),
    Type.Literal("MODEL_NOT_AVAILABLE"),
    Type.Literal("MODEL_CANNOT_SEE_IMAGES"),
    Type.Literal("RATE_LIMITED"),
    Type.Literal("PROVIDER_ERROR"),
    Type.Literal("PROVIDER_OVERLOADED"),
    Type.Literal("PROVIDER_TIMEOUT"),
    Type.Literal("ROUTE_NOT_FOUND"),
    Type.Literal("CHAT_BUSY"),
    Type.Literal("NOT_LATEST_ANSWER"),
    Type.Literal("MESSAGE_NOT_FOUND"),
    Type.Literal("CHAT_HELD"),
    Type.Literal("CHAT_NOT_HELD"),
    Type.Literal("RESUME_EXPIRED"),
    Type.Literal("GENERATION_FAILED"),
    Type.Literal("UNAVAILABLE"),
    Type.Literal("TIMEOUT"),
    Type.Literal("REQUEST_TIMEOUT"),
    Type.Literal("DATA_UNREADABLE"),
    Type.Literal("INTERNAL"),
  ],
  { $id: "ErrorCode" },
);
export type ErrorCode = Static<typeof ErrorCode>;

/** The body of every error response: `{"error":{"code":"CHAT_NOT_FOUND","message":"..."}}`. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: ErrorCode,
      message: Type.String(),
      /** Which fields failed validation, when the code is VALIDATION_FAILED. */
      details: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    }),
  },
  { $id: "ErrorBody" },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** An error as it crosses the bus: plain data, rebuilt into an AppError on arrival. */
export const SerializedError = Type.Object({
  code: ErrorCode,
  message: Type.String(),
  retryable: Type.Boolean(),
});
export type SerializedError = Static<typeof SerializedError>;

const httpStatusByCode: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  DUPLICATE_COOKIE: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  NOT_CONFIRMED: 403,
  FORBIDDEN: 403,
  FORBIDDEN_ORIGIN: 403,
  EMAIL_TAKEN: 409,
  CHAT_NOT_FOUND: 404,
  ATTACHMENT_NOT_FOUND: 404,
  SHARE_NOT_FOUND: 404,
  PROJECT_NOT_FOUND: 404,
  QUOTA_EXCEEDED: 413,
  SPEECH_NOT_CONFIGURED: 503,
  KEY_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  LAST_ADMIN: 409,
  MODEL_NOT_AVAILABLE: 400,
  MODEL_CANNOT_SEE_IMAGES: 400,
  RATE_LIMITED: 429,
  PROVIDER_ERROR: 502,
  PROVIDER_OVERLOADED: 503,
  PROVIDER_TIMEOUT: 504,
  ROUTE_NOT_FOUND: 404,
  CHAT_BUSY: 409,
  NOT_LATEST_ANSWER: 409,
  MESSAGE_NOT_FOUND: 404,
  CHAT_HELD: 409,
  CHAT_NOT_HELD: 409,
  RESUME_EXPIRED: 410,
  GENERATION_FAILED: 502,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
  REQUEST_TIMEOUT: 408,
  DATA_UNREADABLE: 500,
  INTERNAL: 500,
};

/** The one mapping from error codes to HTTP statuses. */
export function httpStatusFor(code: ErrorCode): number {
  return httpStatusByCode[code];
}

const retryableCodes = new Set<ErrorCode>([
  "CHAT_BUSY",
  "UNAVAILABLE",
  "TIMEOUT",
  "REQUEST_TIMEOUT",
  "GENERATION_FAILED",
  "RATE_LIMITED",
  "PROVIDER_ERROR",
  "PROVIDER_OVERLOADED",
  "PROVIDER_TIMEOUT",
]);

const appErrorMarker = Symbol.for("chat.AppError");

/**
 * The one error base class: a stable `code`, whether retrying can help, and the cause.
 *
 * @example
 * throw new AppError("CHAT_NOT_FOUND", "No chat with this id");
 */
export class AppError extends Error {
  readonly [appErrorMarker] = true;
  override readonly name = "AppError";
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details?: Array<{ path: string; message: string }>;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      cause?: unknown;
      retryable?: boolean;
      details?: Array<{ path: string; message: string }>;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? retryableCodes.has(code);
    this.details = options.details;
  }

  static isInstance(error: unknown): error is AppError {
    return typeof error === "object" && error !== null && appErrorMarker in error;
  }

  get httpStatus(): number {
    return httpStatusFor(this.code);
  }

  toBody(): ErrorBody {
    return {
      error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) },
    };
  }

  serialize(): SerializedError {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }

  static fromSerialized(error: SerializedError): AppError {
    return new AppError(error.code, error.message, { retryable: error.retryable });
  }

  /** Wraps anything thrown into an AppError, keeping the original as the cause. */
  static from(error: unknown): AppError {
    if (AppError.isInstance(error)) return error;
    return new AppError("INTERNAL", "Internal error", { cause: error, retryable: true });
  }
}

/** The refusal of images for a model that cannot see them, the same before dispatch and at the call. */
export function modelCannotSeeImages(modelId: string): AppError {
  return new AppError(
    "MODEL_CANNOT_SEE_IMAGES",
    `Model "${modelId}" cannot see images; choose a model with vision: true in GET /api/models`,
    { retryable: false },
  );
}
