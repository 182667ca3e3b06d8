import type { ChatCommandClient } from "@chat/bus";
import type { TitleRequest } from "@chat/contracts";
import type { Logger } from "pino";
import { cleanTitle, titleFromQuestion, titleInstruction } from "./chat-title.ts";
import type { ModelCaller } from "./model-caller.ts";
import type { ModelRegistry } from "./model-registry.ts";
import type { UsageLedger } from "./usage-ledger.ts";

const answerShown = 2_000;
const titleTokens = 24;
const titleTimeoutMs = 30_000;

/**
 * Titles a chat after its first exchange with a short request to the chat's model (or
 * `TITLE_MODEL`), and asks the chat's actor to apply it only if nobody renamed the chat meanwhile.
 * The demo model cannot summarise, so its chats (and any failed request) get the question's words.
 */
export class TitleWriter {
  constructor(
    private readonly dependencies: {
      commands: ChatCommandClient;
      caller: ModelCaller;
      registry: ModelRegistry;
      usage: UsageLedger;
      logger: Logger;
      titleModel?: string;
    },
  ) {}

  async handle(request: TitleRequest): Promise<void> {
    const { chatId, userId, traceparent } = request;
    const logger = this.dependencies.logger.child({ chatId, traceparent });
    const modelId = this.dependencies.titleModel ?? request.model;
    const route = this.dependencies.registry.route(modelId);
    let title = titleFromQuestion(request.question);
    if (route && route.provider.id !== "demo") {
      const outcome = await this.dependencies.caller.call({
        modelId,
        history: [
          {
            role: "user",
            content: `Question:\n${request.question}\n\nAnswer:\n${request.answer.slice(0, answerShown)}`,
          },
        ],
        chatPrompt: titleInstruction,
        maxOutputTokens: titleTokens,
        signal: AbortSignal.timeout(titleTimeoutMs),
        onText: async () => {},
        logger,
      });
      await this.dependencies.usage.record(
        { id: request.id, userId, chatId, messageId: null, purpose: "title" },
        outcome,
        traceparent,
      );
      const written = cleanTitle(outcome.text);
      if (outcome.finishReason !== "error" && written) title = written;
    }
    await this.dependencies.commands.notify(
      "update_chat",
      { chatId, userId, title, onlyIfTitle: request.currentTitle },
      traceparent,
    );
    logger.info({ model: modelId }, "chat titled");
  }
}
