import { type FormEvent, useEffect, useRef, useState } from "react";
import { useMutation } from "urql";
import { TransferMutation } from "../api/operations";
import type { TransferMutation as TransferResult } from "../gql/graphql";
import { isDecimal } from "../lib/decimal";
import { SubmissionKeys } from "../lib/idempotency";
import { errorsByField, type FormErrors } from "../lib/userErrors";
import { Link, paths } from "../router";
import { Field, FormErrorSummary } from "./Field";
import { Money } from "./Money";

const FIELDS = ["fromAccountId", "toAccountId", "amount", "memo"] as const;
type Values = Record<(typeof FIELDS)[number], string>;
type Moved = NonNullable<TransferResult["transfer"]["transfer"]>;

interface TransferFormProps {
  /** The accounts money may leave from; null: any account id (operators). */
  sources: readonly { id: string; currency: string }[] | null;
  initialFrom?: string | null;
  submitLabel?: string;
  fromLabel?: string;
  idPrefix: string;
}

const NO_ERRORS: FormErrors = { fields: {}, form: [] };

/**
 * Moves money with one idempotency key per submission: double clicks and retries after a lost
 * answer reuse it (the ledger pays once); refusals are shown at the field the API names.
 */
export function TransferForm({ sources, initialFrom, submitLabel = "Send money", fromLabel = "From account", idPrefix }: TransferFormProps) {
  const [values, setValues] = useState<Values>({
    fromAccountId: initialFrom ?? sources?.[0]?.id ?? "",
    toAccountId: "",
    amount: "",
    memo: "",
  });
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [moved, setMoved] = useState<Moved | null>(null);
  const [{ fetching }, transfer] = useMutation(TransferMutation);
  const keys = useRef(new SubmissionKeys());
  const pending = useRef(false);
  const form = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (!values.fromAccountId && sources?.[0]) setValues((v) => ({ ...v, fromAccountId: sources[0].id }));
  }, [sources, values.fromAccountId]);

  useEffect(() => {
    const first = FIELDS.find((name) => errors.fields[name]);
    if (first) form.current?.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
  }, [errors]);

  const set = (name: keyof Values) => (event: { target: { value: string } }) =>
    setValues((previous) => ({ ...previous, [name]: event.target.value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (pending.current) return; // the same submission is already on its way
    const local = check(values);
    if (local) return setErrors(local);
    pending.current = true;
    setMoved(null);
    setErrors(NO_ERRORS);
    const idempotencyKey = keys.current.keyFor(values);
    const result = await transfer({
      input: {
        fromAccountId: values.fromAccountId,
        toAccountId: values.toAccountId.trim(),
        amount: values.amount.trim(),
        memo: values.memo.trim() || null,
        idempotencyKey,
      },
    });
    pending.current = false;
    const payload = result.data?.transfer;
    if (!payload) {
      // Lost answer or refused request: the outcome is unknown, so keep the key; sending the
      // same values again is safe and returns the original transfer if it went through.
      return setErrors({ fields: {}, form: ["We could not confirm the transfer. Send it again: it will not be paid twice."] });
    }
    // OUTCOME_UNKNOWN is announced, not yet in the schema: the commit may have happened, so the
    // key is kept for a retry of the same values.
    if (payload.userErrors.some((error) => (error.code as string) === "OUTCOME_UNKNOWN")) {
      return setErrors({ fields: {}, form: payload.userErrors.map((error) => error.message) });
    }
    keys.current.settle();
    if (payload.userErrors.length > 0) return setErrors(errorsByField(payload.userErrors, FIELDS));
    setMoved(payload.transfer ?? null);
    setValues((previous) => ({ ...previous, amount: "", memo: "" }));
  };

  return (
    <form ref={form} className="card form" onSubmit={(event) => void submit(event)} noValidate aria-busy={fetching}>
      <FormErrorSummary messages={errors.form} />
      {sources ? (
        <div className={`field${errors.fields.fromAccountId ? " field--invalid" : ""}`}>
          <label htmlFor={`${idPrefix}-from`}>{fromLabel}</label>
          <select id={`${idPrefix}-from`} name="fromAccountId" value={values.fromAccountId} onChange={set("fromAccountId")}
            aria-invalid={errors.fields.fromAccountId ? true : undefined}
            aria-describedby={errors.fields.fromAccountId ? `${idPrefix}-from-error` : undefined}>
            {sources.map((source) => (
              <option key={source.id} value={source.id}>
                {source.id} ({source.currency})
              </option>
            ))}
          </select>
          {errors.fields.fromAccountId && (
            <p className="field__error" id={`${idPrefix}-from-error`} data-testid="error-fromAccountId">
              {errors.fields.fromAccountId}
            </p>
          )}
        </div>
      ) : (
        <Field id={`${idPrefix}-from`} label={fromLabel} name="fromAccountId" autoComplete="off" required
          value={values.fromAccountId} onChange={set("fromAccountId")} error={errors.fields.fromAccountId} />
      )}
      <Field id={`${idPrefix}-to`} label="To account" name="toAccountId" autoComplete="off" required spellCheck={false}
        value={values.toAccountId} onChange={set("toAccountId")} error={errors.fields.toAccountId} />
      <Field id={`${idPrefix}-amount`} label="Amount" name="amount" inputMode="decimal" autoComplete="off" required
        hint={currencyHint(sources, values.fromAccountId)}
        value={values.amount} onChange={set("amount")} error={errors.fields.amount} />
      <Field id={`${idPrefix}-memo`} label="Note (optional)" name="memo" autoComplete="off" maxLength={256}
        value={values.memo} onChange={set("memo")} error={errors.fields.memo} />
      <button type="submit" className="button" disabled={fetching}>
        {fetching ? "Sending…" : submitLabel}
      </button>
      <div role="status" className="form__result">
        {moved && (
          <p className="notice notice--success" data-testid="transfer-done">
            Sent <Money amount={moved.amount} currency={moved.currency} /> from{" "}
            <Link href={paths.account(moved.fromAccountId)}>{moved.fromAccountId}</Link> to{" "}
            <Link href={paths.account(moved.toAccountId)}>{moved.toAccountId}</Link>.
          </p>
        )}
      </div>
    </form>
  );
}

/** What the browser can tell before asking: only the shape of the amount, never the money. */
function check(values: Values): FormErrors | null {
  const fields: Record<string, string> = {};
  if (!values.fromAccountId.trim()) fields.fromAccountId = "Choose the account to send from.";
  if (!values.toAccountId.trim()) fields.toAccountId = "Enter the account to send to.";
  const amount = values.amount.trim();
  if (!amount) fields.amount = "Enter an amount.";
  else if (!isDecimal(amount) || amount.startsWith("-") || amount.startsWith("+"))
    fields.amount = "Enter an amount such as 12.50, digits and one decimal point only.";
  return Object.keys(fields).length ? { fields, form: [] } : null;
}

function currencyHint(sources: TransferFormProps["sources"], from: string): string | undefined {
  const currency = sources?.find((source) => source.id === from)?.currency;
  return currency ? `In ${currency}, for example 12.50.` : undefined;
}
