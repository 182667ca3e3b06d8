import { connectBus } from "@chat/bus";
import { AdminEmails } from "@chat/contracts";
import { embeddedJwtSecret, openAttachmentStorage, type RunningGateway, startGateway } from "@chat/gateway";
import { startNotifier } from "@chat/notifier";
import { startOrchestrator } from "@chat/orchestrator";
import { createLogger, type Lifecycle, type Logger } from "@chat/runtime";
import { startSession } from "@chat/session";
import { connectActorState } from "@chat/state";
import { openRepository, RepositoryRevocationList, startStore } from "@chat/store";
import type { AllInOneConfig } from "./all-in-one-config.ts";

/**
 * Runs all five services in this process. With no AMQP_URL / REDIS_URL / MONGODB_URL that is the
 * embedded default (in-process bus, in-memory state with ended sign-ins in SQLite, SQLite); with
 * them, the real adapters.
 */
export async function startAllInOne(
  config: AllInOneConfig,
  logger: Logger,
  lifecycle: Lifecycle,
): Promise<RunningGateway> {
  // Read first: a refused secret file stops the process before anything is opened.
  const jwtSecret = config.JWT_SECRET ?? embeddedJwtSecret(config.DATA_DIR);
  const serviceLogger = (name: string) => createLogger(name, config.LOG_LEVEL);
  const bus = await connectBus(config, logger);
  lifecycle.onStop("bus", () => bus.close());
  const repository = await openRepository(config);
  lifecycle.onStop("repository", () => repository.close());
  // Without Redis, ended sign-ins are kept in the store's database, so they outlive a restart.
  const actorState = connectActorState(config, logger, new RepositoryRevocationList(repository.credentials));
  lifecycle.onStop("actor state", () => actorState.close());

  // One storage for the gateway (uploads), the store (a chat's files go with it) and the orchestrator
  // (models read the files).
  const attachmentStorage = await openAttachmentStorage({ ...config, JWT_SECRET: jwtSecret });
  const services = [
    await startStore({
      storage: attachmentStorage.storage,
      bus,
      repository,
      logger: serviceLogger("store"),
      adminEmails: new AdminEmails(config.ADMIN_EMAILS),
      sessionIdleMinutes: config.SESSION_IDLE_MINUTES,
    }),
    await startSession({
      bus,
      actorState,
      logger: serviceLogger("session"),
      config,
      // With the in-process bus, no orchestrator but this process's own can be writing an answer.
      orphanedDraftsAtStart: !config.AMQP_URL,
    }),
    await startOrchestrator({
      bus,
      actorState,
      logger: serviceLogger("orchestrator"),
      config,
      storage: attachmentStorage.storage,
    }),
    await startNotifier({ bus, logger: serviceLogger("notifier"), config }),
  ];
  for (const service of services) lifecycle.onStop(service.name, () => service.stop());

  const readiness = Object.fromEntries(
    services.flatMap((service) =>
      Object.entries(service.checks).map(([name, check]) => [`${service.name}.${name}`, check]),
    ),
  );
  return startGateway({
    bus,
    actorState,
    logger: serviceLogger("gateway"),
    settings: { ...config, JWT_SECRET: jwtSecret },
    port: config.PORT,
    readiness,
    attachmentStorage,
  });
}
