import { GatewayConfigFields } from "@chat/gateway";
import { NotifierConfigFields } from "@chat/notifier";
import { OrchestratorConfigFields } from "@chat/orchestrator";
import { BaseConfigFields } from "@chat/runtime";
import { SessionConfigFields } from "@chat/session";
import { StoreConfigFields } from "@chat/store";
import { type Static, Type } from "@sinclair/typebox";

/** Every service's settings in one process; PORT is the gateway's. */
export const AllInOneConfig = Type.Object({
  ...BaseConfigFields,
  ...GatewayConfigFields,
  ...SessionConfigFields,
  ...StoreConfigFields,
  ...OrchestratorConfigFields,
  ...NotifierConfigFields,
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535 }),
});
export type AllInOneConfig = Static<typeof AllInOneConfig>;
