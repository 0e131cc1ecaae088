import { type FormEvent, useRef, useState } from "react";
import { useMutation } from "urql";
import { CreateAccountMutation } from "../api/operations";
import { Field, FormErrorSummary } from "../components/Field";
import { PageHeading } from "../components/PageHeading";
import { TransferForm } from "../components/TransferForm";
import { errorsByField, type FormErrors } from "../lib/userErrors";
import { Link, navigate, paths } from "../router";

/** Operators: open accounts for owners, fund them from an external account, look any up. */
export function OperatorScreen() {
  return (
    <>
      <PageHeading>Operator</PageHeading>
      <div className="operator-grid">
        <section aria-labelledby="lookup-heading">
          <h2 id="lookup-heading">Look up an account</h2>
          <LookupForm />
        </section>
        <section aria-labelledby="create-heading">
          <h2 id="create-heading">Open an account</h2>
          <CreateAccountForm />
        </section>
        <section aria-labelledby="fund-heading">
          <h2 id="fund-heading">Fund an account</h2>
          <p className="section-hint">Move money in from an external (settlement) account.</p>
          <TransferForm idPrefix="fund" sources={null} fromLabel="External account" submitLabel="Fund account" />
        </section>
      </div>
    </>
  );
}

function LookupForm() {
  const [id, setId] = useState("");
  const [error, setError] = useState<string>();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!id.trim()) return setError("Enter an account id.");
    navigate(paths.account(id.trim()));
  };
  return (
    <form className="card form" onSubmit={submit} noValidate role="search">
      <Field id="lookup-id" label="Account id" name="lookup" autoComplete="off" spellCheck={false}
        value={id} onChange={(event) => setId(event.target.value)} error={error} />
      <button type="submit" className="button">
        Look up
      </button>
    </form>
  );
}

const CREATE_FIELDS = ["id", "ownerId", "currency", "initialBalance"] as const;

function CreateAccountForm() {
  const [values, setValues] = useState({ id: "", ownerId: "", currency: "USD", initialBalance: "" });
  const [errors, setErrors] = useState<FormErrors>({ fields: {}, form: [] });
  const [created, setCreated] = useState<string | null>(null);
  const [{ fetching }, create] = useMutation(CreateAccountMutation);
  const busy = useRef(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy.current) return;
    busy.current = true;
    setCreated(null);
    const result = await create({
      input: {
        id: values.id.trim(),
        ownerId: values.ownerId.trim() || null,
        currency: values.currency.trim().toUpperCase() || null,
        initialBalance: values.initialBalance.trim() || "0",
      },
    });
    busy.current = false;
    const payload = result.data?.createAccount;
    if (!payload) return setErrors({ fields: {}, form: ["The account could not be opened. Try again."] });
    if (payload.userErrors.length) return setErrors(errorsByField(payload.userErrors, CREATE_FIELDS));
    setErrors({ fields: {}, form: [] });
    setCreated(payload.account?.id ?? null);
  };
  const set = (name: keyof typeof values) => (event: { target: { value: string } }) =>
    setValues((previous) => ({ ...previous, [name]: event.target.value }));

  return (
    <form className="card form" onSubmit={(event) => void submit(event)} noValidate>
      <FormErrorSummary messages={errors.form} />
      <Field id="create-id" label="Account id" name="id" autoComplete="off" spellCheck={false} required
        value={values.id} onChange={set("id")} error={errors.fields.id} />
      <Field id="create-owner" label="Owner (subject)" name="ownerId" autoComplete="off" spellCheck={false}
        value={values.ownerId} onChange={set("ownerId")} error={errors.fields.ownerId} />
      <Field id="create-currency" label="Currency" name="currency" autoComplete="off" maxLength={3}
        hint="ISO 4217 code, such as USD, EUR or JPY." value={values.currency} onChange={set("currency")}
        error={errors.fields.currency} />
      <Field id="create-opening" label="Opening balance (optional)" name="initialBalance" inputMode="decimal"
        autoComplete="off" hint="For a settlement account that funds others." value={values.initialBalance}
        onChange={set("initialBalance")} error={errors.fields.initialBalance} />
      <button type="submit" className="button" disabled={fetching}>
        Open account
      </button>
      <div role="status" className="form__result">
        {created && (
          <p className="notice notice--success" data-testid="account-created">
            Opened <Link href={paths.account(created)}>{created}</Link>.
          </p>
        )}
      </div>
    </form>
  );
}
