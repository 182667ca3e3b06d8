const labels: Record<string, string> = {
  demo: "Demo (offline)",
};

/** The name a person reads for a model id; unknown ids are shown as they are. */
export function modelLabel(model: string): string {
  return labels[model] ?? model;
}
