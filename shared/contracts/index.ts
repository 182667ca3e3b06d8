import "./src/formats.ts";

export * from "./src/account.ts";
export {
  AdminUser,
  AdminUserList,
  AuditAction,
  AuditActor,
  AuditEntry,
  AuditLogFilter,
  AuditLogPage,
  RoleChange,
  SetRoleBody,
  StaffActor,
  StaffRole,
} from "./src/admin.ts";
export { AdminEmails } from "./src/admin-emails.ts";
export * from "./src/attachments.ts";
export {
  AgentMessageCommand,
  CancelGenerationCommand,
  CancelHelpRequestCommand,
  CancelReply,
  ChatCommand,
  type ChatCommandReplies,
  chatCommandReplySchemas,
  DeleteChatCommand,
  DeleteChatReply,
  EditMessageCommand,
  ExpireHoldCommand,
  GenerationFinishedCommand,
  RecoverAnswerCommand,
  RegenerateAnswerCommand,
  ReleaseChatCommand,
  RequestHelpCommand,
  SendMessageCommand,
  SendMessageReply,
  SwitchBranchCommand,
  TakeOverCommand,
  UpdateChatCommand,
} from "./src/bus/chat-commands.ts";
export { ChatEventMessage, chatEventKey, userEventKey } from "./src/bus/chat-events.ts";
export { CompletionRequest, CompletionStreamMessage, completionEventKey } from "./src/bus/completions.ts";
export { ContextMessage, InlineImage, ModelImageMediaType } from "./src/bus/context-message.ts";
export { BUS_MESSAGE_VERSION, type Envelope, EnvelopeFields, newEnvelope } from "./src/bus/envelope.ts";
export {
  GenerationCancelSignal,
  GenerationRequest,
  GenerationWork,
  generationCancelKey,
  TitleRequest,
} from "./src/bus/generation.ts";
export { OrchestratorRequest, orchestratorReplySchemas } from "./src/bus/orchestrator-requests.ts";
export {
  DeliverySettlement,
  NotificationChannelName,
  NotificationDelivery,
  NotificationDeliveryStatus,
  StaffAlert,
  StaffAlertError,
  StaffAlertKind,
  StaffRecipient,
  staffAlertKey,
} from "./src/bus/staff-alerts.ts";
export {
  AnswerDraft,
  ExternalIdentity,
  NewExternalUser,
  RefreshRotation,
  RefreshTokenSuccessor,
  StoredApiKey,
  StoredAttachment,
  StoredRefreshToken,
  StoredUser,
} from "./src/bus/store-records.ts";
export { type StoreReplies, storeReplySchemas } from "./src/bus/store-replies.ts";
export { StoreRequest, type StoreRequestOf } from "./src/bus/store-requests.ts";
export { UsageRecord, UsageRecorded, usageEventKey } from "./src/bus/usage.ts";
export * from "./src/chat-export.ts";
export * from "./src/chat-projects.ts";
export * from "./src/console.ts";
export {
  emailAddressProblem,
  externalEmailKey,
  normalizeEmail,
} from "./src/email-address.ts";
export {
  AppError,
  ErrorBody,
  ErrorCode,
  httpStatusFor,
  modelCannotSeeImages,
  SerializedError,
} from "./src/errors.ts";
export { compareEventIds, type EventIdParts, formatEventId, parseEventId } from "./src/event-id.ts";
export * from "./src/events.ts";
export * from "./src/go-chat-compatible.ts";
export * from "./src/http.ts";
export * from "./src/openai-compatible.ts";
export { partitionOf } from "./src/partition.ts";
export * from "./src/shares.ts";
export { SpeechBody, SpeechSettings, Transcription } from "./src/speech.ts";
export * from "./src/takeover.ts";
export * from "./src/websocket-frames.ts";
