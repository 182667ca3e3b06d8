import type { UsageReport } from "@chat/contracts";
import { html, LitElement, nothing } from "lit";
import { customElement, state } from "lit/decorators.js";
import { apiClient } from "../api-client.ts";
import { baseStyles } from "../elements/base-styles.ts";
import { problemOf, settingsStyles } from "./settings-styles.ts";

const periods = [
  { days: 1, label: "Last 24 hours" },
  { days: 7, label: "Last 7 days" },
  { days: 30, label: "Last 30 days" },
  { days: 90, label: "Last 90 days" },
];
const tokens = new Intl.NumberFormat();
const dollars = new Intl.NumberFormat(undefined, {
  style: "currency",
  currency: "USD",
  maximumFractionDigits: 4,
});

/** Tokens and cost of the user's generations over a period: in total, per model, and per day and model (newest day first). */
@customElement("usage-panel")
export class UsagePanel extends LitElement {
  static override styles = [baseStyles, settingsStyles];

  @state() private _days = 30;
  @state() private _report: UsageReport | undefined;
  @state() private _error = "";

  override connectedCallback(): void {
    super.connectedCallback();
    void this._load();
  }

  override render() {
    const report = this._report;
    return html`
      <section aria-labelledby="usage-title">
        <h3 id="usage-title">Usage</h3>
        <label
          >Period
          <select @change=${this._onPeriod} .value=${String(this._days)}>
            ${periods.map((period) => html`<option value=${period.days}>${period.label}</option>`)}
          </select>
        </label>
      </section>
      ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
      ${
        report
          ? html`<p role="status">
                ${tokens.format(report.total.generations)} answers, ${tokens.format(report.total.inputTokens)} tokens in,
                ${tokens.format(report.total.outputTokens)} out: ${dollars.format(report.total.costUsd)}.
              </p>
              <table aria-label="Usage per model">
                <thead>
                  <tr>
                    <th>Model</th>
                    <th class="number">Answers</th>
                    <th class="number">Tokens in</th>
                    <th class="number">Tokens out</th>
                    <th class="number">Cost</th>
                  </tr>
                </thead>
                <tbody>
                  ${report.models.map(
                    (model) => html`<tr>
                      <td>${model.model} <span class="visually-hidden">from</span><small>(${model.provider})</small></td>
                      <td class="number">${tokens.format(model.generations)}</td>
                      <td class="number">${tokens.format(model.inputTokens)}</td>
                      <td class="number">${tokens.format(model.outputTokens)}</td>
                      <td class="number">${dollars.format(model.costUsd)}</td>
                    </tr>`,
                  )}
                </tbody>
              </table>
              ${
                report.days.length > 0
                  ? html`<table aria-label="Usage per day">
                      <thead>
                        <tr>
                          <th>Day (UTC)</th>
                          <th>Model</th>
                          <th class="number">Answers</th>
                          <th class="number">Tokens</th>
                          <th class="number">Cost</th>
                        </tr>
                      </thead>
                      <tbody>
                        ${[...report.days].reverse().map(
                          (day) => html`<tr>
                            <td>${day.day}</td>
                            <td>${day.model}</td>
                            <td class="number">${tokens.format(day.generations)}</td>
                            <td class="number">${tokens.format(day.inputTokens + day.outputTokens)}</td>
                            <td class="number">${dollars.format(day.costUsd)}</td>
                          </tr>`,
                        )}
                      </tbody>
                    </table>`
                  : nothing
              }`
          : nothing
      }
    `;
  }

  private async _onPeriod(event: Event): Promise<void> {
    this._days = Number((event.target as HTMLSelectElement).value);
    await this._load();
  }

  private async _load(): Promise<void> {
    this._error = "";
    const to = new Date();
    try {
      this._report = await apiClient.usage(new Date(to.getTime() - this._days * 86_400_000), to);
    } catch (error) {
      this._error = problemOf(error, "The usage could not be loaded.");
    }
  }
}
