import {
  type Delivery,
  type DeliveryConsumer,
  type DeliveryOutcome,
  handleDelivery,
} from "./handle-delivery.ts";

const firstRetryDelayMs = 50;
const maxRetryDelayMs = 1_000;

/**
 * Handles and settles deliveries one chat at a time, in the order they arrived, while other
 * chats' deliveries run alongside (a partition's consumer takes many commands at once). A handler
 * failure that would requeue is retried here instead, after a growing pause, up to the delivery
 * limit and then dead-lettered, as the broker would: a requeued command could come back after its
 * chat's later ones, which wait here behind it. A body that is not JSON, or names no chat, runs
 * at once.
 *
 * @example
 * const lanes = new ChatLanes(deliveryLimit);
 * await lanes.run(consumer, delivery, async (outcome) => settle(message, outcome));
 */
export class ChatLanes {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly deliveryLimit: number) {}

  run<M>(
    consumer: DeliveryConsumer<M>,
    delivery: Delivery,
    settle: (outcome: DeliveryOutcome) => Promise<void>,
  ): Promise<void> {
    const task = async () => settle(await this.handleInPlace(consumer, delivery));
    const chatId = chatIdOf(delivery.body);
    if (chatId === undefined) return task();
    const before = this.tails.get(chatId);
    const done = before ? before.then(task, task) : task();
    this.tails.set(chatId, done);
    const forget = () => {
      if (this.tails.get(chatId) === done) this.tails.delete(chatId);
    };
    done.then(forget, forget);
    return done;
  }

  private async handleInPlace<M>(
    consumer: DeliveryConsumer<M>,
    delivery: Delivery,
  ): Promise<DeliveryOutcome> {
    for (let deliveryCount = delivery.deliveryCount; ; deliveryCount++) {
      // A delivery whose channel closed is the broker's again: it comes back in the chat's order.
      if (delivery.signal?.aborted) return { settle: "requeue" };
      const outcome = await handleDelivery(consumer, { ...delivery, deliveryCount });
      if (outcome.settle !== "requeue") return outcome;
      if (deliveryCount > this.deliveryLimit) return { settle: "dead-letter" };
      const pause = Math.min(maxRetryDelayMs, firstRetryDelayMs * 2 ** (deliveryCount - 1));
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

function chatIdOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const chatId =
      typeof parsed === "object" && parsed !== null ? (parsed as { chatId?: unknown }).chatId : undefined;
    return typeof chatId === "string" ? chatId : undefined;
  } catch {
    return undefined;
  }
}
