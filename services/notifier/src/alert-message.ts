import type { StaffAlert, StaffAlertKind } from "@chat/contracts";

/** A notification's words and JSON, before it is addressed to anyone. */
export type RenderedAlert = {
  alertId: string;
  kind: StaffAlertKind;
  subject: string;
  text: string;
  payload: string;
  chatId?: string;
  createdAt: string;
};

const kindLabels: Record<StaffAlertKind, { one: string; many: string }> = {
  help_request: { one: "Help request", many: "help requests" },
  takeover: { one: "Takeover", many: "takeovers" },
  critical_error: { one: "Critical error", many: "critical errors" },
  system_alert: { one: "System alert", many: "system alerts" },
};

/** One line about an alert, as a storm's summary lists it. */
export function alertLine(alert: StaffAlert): string {
  return alert.error ? `${alert.summary} (${alert.error.code})` : alert.summary;
}

/**
 * An alert as people read it (subject and text: what happened, where, the error, when) and as
 * webhooks receive it (`{"type":"staff_alert", …}`).
 */
export function renderAlert(alert: StaffAlert): RenderedAlert {
  const lines = [
    alert.summary,
    "",
    `Kind: ${alert.kind}`,
    `Source: ${alert.source}`,
    ...(alert.userId ? [`User: ${alert.userId}`] : []),
    ...(alert.chatId ? [`Chat: ${alert.chatId}`] : []),
    ...(alert.error ? [`Error: ${alert.error.code}: ${alert.error.message}`] : []),
    ...(alert.error?.details ? [`Details: ${alert.error.details}`] : []),
    `Time: ${alert.occurredAt}`,
  ];
  const payload = {
    type: "staff_alert",
    id: alert.id,
    kind: alert.kind,
    summary: alert.summary,
    source: alert.source,
    ...(alert.userId ? { userId: alert.userId } : {}),
    ...(alert.chatId ? { chatId: alert.chatId } : {}),
    ...(alert.error ? { error: alert.error } : {}),
    occurredAt: alert.occurredAt,
  };
  return {
    alertId: alert.id,
    kind: alert.kind,
    subject: `${kindLabels[alert.kind].one}: ${alert.summary}`,
    text: lines.join("\n"),
    payload: JSON.stringify(payload),
    ...(alert.chatId ? { chatId: alert.chatId } : {}),
    createdAt: alert.occurredAt,
  };
}

/** The summary of a storm's held-back alerts: "N more critical errors in the last M minutes: …". */
export function renderSummary(summary: {
  id: string;
  kind: StaffAlertKind;
  count: number;
  samples: string[];
  windowStartedAt: number;
  windowEndedAt: number;
}): RenderedAlert {
  const minutes = Math.max(1, Math.round((summary.windowEndedAt - summary.windowStartedAt) / 60_000));
  const what =
    summary.count === 1 ? kindLabels[summary.kind].one.toLowerCase() : kindLabels[summary.kind].many;
  const headline = `${summary.count} more ${what} in the last ${minutes} minute${minutes === 1 ? "" : "s"}`;
  const more = summary.count > summary.samples.length ? ["…"] : [];
  const createdAt = new Date(summary.windowEndedAt).toISOString();
  const payload = {
    type: "staff_alert_summary",
    id: summary.id,
    kind: summary.kind,
    count: summary.count,
    samples: summary.samples,
    from: new Date(summary.windowStartedAt).toISOString(),
    to: createdAt,
  };
  return {
    alertId: summary.id,
    kind: summary.kind,
    subject: headline,
    text: `${headline}: ${[...summary.samples, ...more].join("; ")}`,
    payload: JSON.stringify(payload),
    createdAt,
  };
}
