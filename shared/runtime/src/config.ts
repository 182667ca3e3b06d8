import { samplerNames } from "@chat/telemetry";
import { type Static, type TObject, type TProperties, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

/** Raised when an environment variable is missing or invalid; its message names the variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * Reads a service's configuration from environment variables: converts, applies defaults, checks.
 * Unknown variables are ignored; a bad or missing one throws a ConfigError naming it.
 *
 * @example
 * const config = loadConfig(Type.Object({ PORT: Type.Integer({ default: 3000 }) }), process.env);
 */
export function loadConfig<S extends TObject>(
  schema: S,
  environment: Record<string, string | undefined>,
): Static<S> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = environment[key];
    if (value !== undefined && value !== "") raw[key] = value;
  }
  const converted = Value.Convert(schema, Value.Default(schema, raw));
  const problems = [...Value.Errors(schema, converted)].map((error) => {
    const variable = error.path.replace(/^\//, "") || "(configuration)";
    const given = raw[variable];
    return `${variable}: ${error.message}${given === undefined ? " (not set)" : ` (got ${JSON.stringify(given)})`}`;
  });
  if (problems.length > 0) throw new ConfigError(`Invalid configuration — ${problems.join("; ")}`);
  return converted as Static<S>;
}

/** Throws a ConfigError naming `variable` when `value` is absent. */
export function requireSetting<T>(value: T | undefined, variable: string, why: string): T {
  if (value === undefined || value === "")
    throw new ConfigError(`Invalid configuration — ${variable}: ${why}`);
  return value;
}

const brokerReasons = {
  AMQP_URL: "a service started alone needs RabbitMQ",
  REDIS_URL: "a service started alone needs Redis",
};

/**
 * Throws a ConfigError naming the first of `variables` that is absent: a service started as its
 * own process shares the bus and the actor state with the others, which the in-process bus and the
 * in-memory state cannot do (they serve the all-in-one only).
 *
 * @example
 * requireBrokerSettings(config, ["AMQP_URL", "REDIS_URL"]);
 */
export function requireBrokerSettings(
  config: Pick<BaseConfig, "AMQP_URL" | "REDIS_URL">,
  variables: readonly (keyof typeof brokerReasons)[],
): void {
  for (const variable of variables) requireSetting(config[variable], variable, brokerReasons[variable]);
}

const LogLevel = Type.Union(
  ["fatal", "error", "warn", "info", "debug", "trace", "silent"].map((level) => Type.Literal(level)),
  { default: "info", description: "pino log level" },
);

/** Settings every service shares: logging and the bus, actor state and their names. */
export const BaseConfigFields = {
  LOG_LEVEL: LogLevel,
  AMQP_URL: Type.Optional(
    Type.String({
      pattern: "^amqps?://",
      description: "RabbitMQ URL; unset = in-process bus (embedded only)",
    }),
  ),
  REDIS_URL: Type.Optional(
    Type.String({
      pattern: "^rediss?://",
      description:
        "Redis URL (gateway, session, orchestrator); unset = in-memory actor state (embedded only)",
    }),
  ),
  BUS_PREFIX: Type.String({
    default: "chat",
    pattern: "^[A-Za-z0-9_.-]+$",
    description: "Prefix of every queue and exchange",
  }),
  REDIS_KEY_PREFIX: Type.String({
    default: "chat",
    pattern: "^[A-Za-z0-9_.-]+$",
    description: "Prefix of every Redis key",
  }),
  SESSION_PARTITIONS: Type.Integer({
    default: 8,
    minimum: 1,
    maximum: 1024,
    description: "Command partitions (P)",
  }),
  BUS_DELIVERY_LIMIT: Type.Integer({
    default: 5,
    minimum: 1,
    maximum: 100,
    description: "Deliveries before a message is dead-lettered",
  }),
  BUS_REQUEST_TIMEOUT_MS: Type.Integer({
    default: 10_000,
    minimum: 100,
    description: "Timeout of request/reply over the bus",
  }),
  ACTOR_STATE_TTL_SECONDS: Type.Integer({
    default: 7 * 24 * 3600,
    minimum: 1,
    description: "Idle actor state and replay log lifetime",
  }),
  REPLAY_LOG_MAX_LENGTH: Type.Integer({
    default: 5_000,
    minimum: 10,
    description: "Events a chat's replay log keeps (approximate)",
  }),
  REPLAY_LOG_WINDOW_SECONDS: Type.Integer({
    default: 900,
    minimum: 10,
    description:
      "Seconds of events a replay log keeps: resumes and joins within it replay, older ids answer RESUME_EXPIRED",
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(
    Type.String({
      pattern: "^https?://",
      description:
        "OpenTelemetry collector (OTLP/HTTP) base URL; spans go to `<url>/v1/traces`. Unset = no tracing, no trace headers",
    }),
  ),
  OTEL_TRACES_SAMPLER: Type.Union(
    samplerNames.map((name) => Type.Literal(name)),
    {
      default: "parentbased_always_on",
      description:
        "Which traces are recorded (when tracing): `parentbased_*` follow a caller's sampled flag; `*traceidratio` record OTEL_TRACES_SAMPLER_ARG of new traces",
    },
  ),
  OTEL_TRACES_SAMPLER_ARG: Type.Number({
    default: 1,
    minimum: 0,
    maximum: 1,
    description: "The share of new traces the `traceidratio` samplers record",
  }),
  OTEL_BSP_SCHEDULE_DELAY: Type.Integer({
    default: 5_000,
    minimum: 10,
    description: "Milliseconds between two exports of finished spans (when tracing)",
  }),
} satisfies TProperties;

export const BaseConfig = Type.Object(BaseConfigFields);
export type BaseConfig = Static<typeof BaseConfig>;
