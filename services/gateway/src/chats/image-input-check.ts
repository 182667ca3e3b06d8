import type { StoreClient } from "@chat/bus";
import { AppError, type MessageAttachment, modelCannotSeeImages } from "@chat/contracts";
import type { ModelCatalog } from "./model-catalog.ts";

/** The sender and chat of a message. */
type MessageTarget = { userId: string; chatId: string; traceparent: string };

/** Whether an attachment is an image, which only a vision model reads. */
export function isImageAttachment(attachment: Pick<MessageAttachment, "mediaType">): boolean {
  return attachment.mediaType.startsWith("image/");
}

/**
 * Refuses a message with images for a model that cannot see them, before anything is sent: the
 * model the message names, else the chat's own. MODEL_CANNOT_SEE_IMAGES (400) names it.
 *
 * @example
 * await imageInput.check(target, attachments, body.model);
 */
export class ImageInputCheck {
  constructor(
    private readonly dependencies: {
      models: Pick<ModelCatalog, "resolve">;
      store: Pick<StoreClient, "call">;
    },
  ) {}

  async check(target: MessageTarget, attachments: MessageAttachment[], model?: string): Promise<void> {
    if (!attachments.some(isImageAttachment)) return;
    const modelId = model ?? (await this.chatModel(target));
    const summary = await this.dependencies.models.resolve(modelId, target.traceparent);
    if (!summary.vision) throw modelCannotSeeImages(summary.id);
  }

  private async chatModel(target: MessageTarget): Promise<string> {
    const found = await this.dependencies.store.call(
      "store.get_chat",
      { chatId: target.chatId, userId: target.userId, messageLimit: 0 },
      target.traceparent,
    );
    if (!found) throw new AppError("CHAT_NOT_FOUND", "Chat not found", { retryable: false });
    return found.chat.model;
  }
}
