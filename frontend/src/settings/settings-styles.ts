import { css } from "lit";

/** What the settings panels share: sections, forms, tables and their messages. */
export const settingsStyles = css`
  section {
    margin: 0 0 22px;
  }
  h3 {
    margin: 0 0 8px;
    font-size: 15px;
    font-weight: 650;
  }
  p {
    margin: 0 0 10px;
    color: var(--text-muted);
    font-size: 14px;
  }
  form,
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    align-items: end;
  }
  label {
    display: grid;
    gap: 4px;
    font-size: 13px;
    color: var(--text-muted);
    flex: 1 1 180px;
  }
  input,
  select {
    font: inherit;
    font-size: 14px;
    padding: 7px 9px;
    border: 1px solid var(--border-strong);
    border-radius: 8px;
    background: var(--surface);
    color: var(--text);
    min-width: 0;
  }
  table {
    width: 100%;
    border-collapse: collapse;
    font-size: 13px;
  }
  th,
  td {
    text-align: left;
    padding: 6px 4px;
    border-bottom: 1px solid var(--border);
  }
  td.number,
  th.number {
    text-align: right;
    font-variant-numeric: tabular-nums;
  }
  a.button {
    display: inline-flex;
    padding: 7px 12px;
    border: 1px solid var(--border-strong);
    border-radius: 8px;
    color: var(--text);
    font-size: 14px;
    font-weight: 600;
    text-decoration: none;
  }
  .error {
    color: var(--danger);
  }
  .done {
    color: var(--success);
  }
  .secret {
    font-family: var(--font-code);
    font-size: 13px;
    width: 100%;
  }
  button.destructive {
    color: var(--danger);
  }
`;

/** The message of a failed request, as the API gave it, or `fallback`. */
export function problemOf(error: unknown, fallback: string): string {
  return error instanceof Error && error.message ? error.message : fallback;
}
