import { css } from "lit";

/**
 * What every modal dialog of the app shares (the native `<dialog>`): the raised box over a scrim,
 * its title and its row of buttons. Each sets its own width with `--dialog-width`.
 */
export const dialogStyles = css`
  dialog {
    width: min(var(--dialog-width, 420px), calc(100vw - 32px));
    padding: 22px 22px 18px;
    border: 1px solid var(--border);
    border-radius: 14px;
    background: var(--surface);
    color: var(--text);
    box-shadow: var(--shadow-raised);
  }
  dialog::backdrop {
    background: var(--scrim);
  }
  h2 {
    margin: 0 0 8px;
    font-size: 17px;
    font-weight: 650;
  }
  .actions {
    display: flex;
    justify-content: flex-end;
    gap: 8px;
  }
`;
