import { useId, useRef } from 'react';

interface ConfirmButtonProps {
  /** The button's text. */
  label: string;
  /** The question the dialog asks. */
  question: string;
  /** The dialog's confirming button text. */
  confirm: string;
  onConfirm: () => void;
  disabled?: boolean;
  danger?: boolean;
  /** The dialog's dismissing button text (default "Cancel"; say "Keep it" where the action is a cancel). */
  dismiss?: string;
}

/**
 * A button that asks first, in a modal <dialog>: focus moves into it, Escape cancels, and the
 * confirming button is not the default one, so a stray Enter does nothing destructive.
 */
export function ConfirmButton({
  label,
  question,
  confirm,
  onConfirm,
  disabled,
  danger,
  dismiss = 'Cancel',
}: ConfirmButtonProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  return (
    <>
      <button
        type="button"
        className={danger ? 'danger' : undefined}
        disabled={disabled}
        onClick={() => dialog.current?.showModal()}
      >
        {label}
      </button>
      <dialog ref={dialog} aria-labelledby={titleId}>
        <p id={titleId}>{question}</p>
        <div className="actions">
          <button type="button" autoFocus onClick={() => dialog.current?.close()}>
            {dismiss}
          </button>
          <button
            type="button"
            className={danger ? 'danger' : undefined}
            onClick={() => {
              dialog.current?.close();
              onConfirm();
            }}
          >
            {confirm}
          </button>
        </div>
      </dialog>
    </>
  );
}
