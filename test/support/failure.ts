/**
 * The rejection of a promise that must fail, typed loosely on purpose: SDK errors, axios errors
 * and our AppError differ, and each test asserts on the fields it cares about.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function failure(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}
