/**
 * Mutation refusals arrive as `userErrors { code message field }`, `field` being the path of
 * the input field at fault (["input", "amount"]). Forms show each at its field; errors
 * without a field (or for a field the form lacks) go to the form's summary.
 */

export interface UserErrorLike {
  code: string;
  message: string;
  field?: readonly string[] | null;
}

export interface FormErrors {
  fields: Record<string, string>;
  form: string[];
}

export function errorsByField(errors: readonly UserErrorLike[], known: readonly string[], root = "input"): FormErrors {
  const result: FormErrors = { fields: {}, form: [] };
  for (const error of errors) {
    const path = error.field ?? [];
    const name = path[0] === root ? path[1] : undefined;
    if (name !== undefined && known.includes(name) && !(name in result.fields)) {
      result.fields[name] = error.message;
    } else {
      result.form.push(error.message);
    }
  }
  return result;
}
