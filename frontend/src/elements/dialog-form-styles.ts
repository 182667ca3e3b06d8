import { css } from "lit";

/** The labelled fields of the dialogs that edit something: chat settings, a project, a move. */
export const dialogFormStyles = css`
  label {
    display: grid;
    gap: 4px;
    margin-bottom: 14px;
    font-size: 13px;
    color: var(--text-muted);
  }
  input:not([type="checkbox"], [type="radio"], [type="range"]),
  textarea,
  select {
    font: inherit;
    font-size: 14px;
    padding: 8px 10px;
    border: 1px solid var(--border-strong);
    border-radius: 8px;
    background: var(--surface);
    color: var(--text);
  }
  textarea {
    min-height: 120px;
    resize: vertical;
  }
  .count {
    justify-self: end;
  }
  .error {
    color: var(--danger);
    font-size: 14px;
  }
  p {
    margin: 0 0 16px;
    color: var(--text-muted);
    font-size: 14px;
    overflow-wrap: anywhere;
  }
`;
