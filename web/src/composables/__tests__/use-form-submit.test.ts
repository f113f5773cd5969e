import { describe, expect, it, vi } from 'vitest';
import { ref } from 'vue';
import { ApiError } from '../../api/api-error';
import { useFormSubmit, type ValidatableForm } from '../use-form-submit';

const invalidName = new ApiError({
  code: 'VALIDATION_FAILED',
  message: 'invalid',
  status: 400,
  details: { issues: [{ path: 'body.name', message: 'at most 32 characters' }] },
});
const conflict = new ApiError({ code: 'CONFLICT', message: 'the name is taken', status: 409 });
const fail = (error: unknown) => () => Promise.reject(error);

describe('useFormSubmit', () => {
  it("puts the server's issues under the fields and still tells onError, by default", async () => {
    const onError = vi.fn();
    const { serverErrors, submit } = useFormSubmit(null, { onError });
    await submit(fail(invalidName));
    expect(serverErrors.value).toEqual({ name: 'at most 32 characters' });
    expect(onError).toHaveBeenCalledWith(invalidName);
  });

  it('with fieldErrorsSuffice, tells onError only of refusals that name no field', async () => {
    const onError = vi.fn();
    const { serverErrors, submit } = useFormSubmit(null, { onError, fieldErrorsSuffice: true });
    await submit(fail(invalidName));
    expect(serverErrors.value).toEqual({ name: 'at most 32 characters' });
    expect(onError).not.toHaveBeenCalled();

    await submit(fail(conflict));
    expect(serverErrors.value).toEqual({});
    expect(onError).toHaveBeenCalledWith(conflict);
  });

  it('clears the last errors when the next submit starts, and ignores a second click while one runs', async () => {
    const { serverErrors, submitting, submit } = useFormSubmit(null, { onError: () => {}, fieldErrorsSuffice: true });
    await submit(fail(invalidName));
    let finish = () => {};
    const send = vi.fn(() => new Promise<void>((resolve) => { finish = resolve; }));
    const first = submit(send);
    expect(serverErrors.value).toEqual({});
    expect(submitting.value).toBe(true);
    await submit(send);
    finish();
    await first;
    expect(send).toHaveBeenCalledTimes(1);
    expect(submitting.value).toBe(false);
  });

  it('sends nothing when the form does not validate, or is not mounted yet', async () => {
    const send = vi.fn(() => Promise.resolve());
    const form = ref<ValidatableForm | undefined>({ validate: () => Promise.reject(new Error('name is required')), clearValidate: () => {} });
    const { submit } = useFormSubmit(form);
    await submit(send);
    form.value = undefined;
    await submit(send);
    expect(send).not.toHaveBeenCalled();
    form.value = { validate: () => Promise.resolve(true), clearValidate: () => {} };
    await submit(send);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('says an error code that belongs to a field under that field (errorFields)', async () => {
    const onError = vi.fn();
    const { serverErrors, submit } = useFormSubmit(null, { onError, errorFields: { CONFLICT: 'name' } });
    await submit(fail(conflict));
    expect(Object.keys(serverErrors.value)).toEqual(['name']);
    expect(onError).not.toHaveBeenCalled();
  });
});
