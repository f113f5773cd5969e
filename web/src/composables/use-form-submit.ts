import { ref, type Ref } from 'vue';
import { isApiError } from '../api/api-error';
import { errorMessage, fieldErrorsOf, notifyError, type FieldErrors } from './use-api-error';

/** What useFormSubmit needs of the form: el-form's instance, or a component passing its validate on. */
export interface ValidatableForm {
  validate(): Promise<unknown>;
  clearValidate(): void;
}

export interface FormSubmitOptions {
  /** A request the store is already sending for this form (a double submit): ignore the click. */
  busy?: () => boolean;
  /**
   * A failed request, after serverErrors has been set from it; may add to serverErrors or say
   * it another way. Default: a toast.
   */
  onError?: (error: unknown) => void;
  /** Error code -> the field it is about (WRONG_PASSWORD -> 'password'): said under that field, not in a toast. */
  errorFields?: Record<string, string>;
  /**
   * A refusal whose issues name fields is said under those fields only; onError runs for the
   * refusals that name none. Default: onError runs for every failure, fields shown or not.
   */
  fieldErrorsSuffice?: boolean;
}

export interface FormSubmit {
  /** The server's words per field (`:error` of each el-form-item). */
  serverErrors: Ref<FieldErrors>;
  /** Covers client-side validation too, so a double click cannot slip in before the request starts. */
  submitting: Ref<boolean>;
  /** Validates the form (if there is one), then runs `send`; a failure fills serverErrors and calls onError. */
  submit(send: () => Promise<unknown>): Promise<void>;
  /** Forgets the server's and the client's field errors (a dialog closed or reopened). */
  clearErrors(): void;
}

/**
 * The submit of a form that shows the server's field errors (VALIDATION_FAILED issues) under
 * the fields. `formRef` is the form's template ref, validated first; null for a form without
 * client-side rules.
 */
export function useFormSubmit(formRef: Ref<ValidatableForm | undefined> | null, options: FormSubmitOptions = {}): FormSubmit {
  const serverErrors = ref<FieldErrors>({});
  const submitting = ref(false);

  async function submit(send: () => Promise<unknown>): Promise<void> {
    const form = formRef?.value;
    if (submitting.value || options.busy?.() || (formRef && !form)) return;
    submitting.value = true;
    serverErrors.value = {};
    try {
      const valid = form ? await form.validate().catch(() => false) : true;
      if (!valid) return;
      await send();
    } catch (error) {
      const field = isApiError(error) ? options.errorFields?.[error.code] : undefined;
      if (field) {
        serverErrors.value = { [field]: errorMessage(error) };
        return;
      }
      serverErrors.value = fieldErrorsOf(error);
      if (options.fieldErrorsSuffice && Object.keys(serverErrors.value).length > 0) return;
      (options.onError ?? notifyError)(error);
    } finally {
      submitting.value = false;
    }
  }

  function clearErrors(): void {
    serverErrors.value = {};
    formRef?.value?.clearValidate();
  }

  return { serverErrors, submitting, submit, clearErrors };
}
