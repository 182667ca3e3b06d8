import { css } from "lit";

/** The settings views' tables and forms. */
export const consoleTableStyles = css`
  table {
    width: 100%;
    border-collapse: collapse;
    font-size: 0.9rem;
  }
  th,
  td {
    text-align: left;
    padding: 7px 8px;
    border-bottom: 1px solid var(--border);
    vertical-align: top;
    overflow-wrap: anywhere;
  }
  th {
    color: var(--text-muted);
    font-weight: 600;
    font-size: 0.8rem;
    overflow-wrap: normal;
  }
  .muted {
    color: var(--text-muted);
    font-size: 0.85rem;
  }
  .error {
    color: var(--danger);
  }
  form {
    display: flex;
    flex-wrap: wrap;
    gap: 10px;
    align-items: end;
    margin: 10px 0 16px;
  }
  label {
    display: flex;
    flex-direction: column;
    gap: 3px;
    font-size: 0.8rem;
    color: var(--text-muted);
  }
  label.inline {
    flex-direction: row;
    align-items: center;
  }
  input,
  select,
  textarea {
    font: inherit;
    color: var(--text);
    background: var(--surface);
    border: 1px solid var(--border-strong);
    border-radius: 8px;
    padding: 5px 8px;
  }
  fieldset {
    border: 1px solid var(--border);
    border-radius: 8px;
    display: flex;
    gap: 10px;
  }
  h2 {
    font-size: 1.1rem;
    margin: 0 0 6px;
  }
`;
