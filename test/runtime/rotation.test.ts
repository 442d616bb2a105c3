/*
 * withSecrets across a rotation on the local endpoint: the old value cached in a warm function, the
 * new one stored as AWSPENDING and set on the database, then promoted to AWSCURRENT.
 *
 * The "database" is a function accepting only its current password and failing like Postgres does
 * (code 28P01) otherwise.
 */
import { rejection, sleep, useFakeSecretsManager } from './helpers';
import { configureSecrets, getSecrets, SecretAccessDeniedError, SecretNotFoundError, withSecrets } from '../../lib/runtime';
import { FakeSecretsManager } from '../support/fake-secrets-manager';

let fake: FakeSecretsManager;
let seq = 0;

class AuthError extends Error {
  readonly code = '28P01';
}

/** A database whose password the rotation's setSecret step changes. */
function database(password: string) {
  const db = {
    password,
    logins: 0,
    async query(credentialsJson: string): Promise<string> {
      db.logins++;
      const { username, password: given } = JSON.parse(credentialsJson) as { username: string; password: string };
      if (given !== db.password) throw new AuthError(`password authentication failed for user "${username}"`);
      return `rows for ${username}`;
    },
  };
  return db;
}

const isAuthError = (e: unknown): boolean => (e as { code?: string })?.code === '28P01';
const creds = (password: string): string => JSON.stringify({ username: 'app', password });

/** A secret cached by a warm function, then rotated to `next` (pending, set on the database, not yet current). */
async function warmThenRotate(db: ReturnType<typeof database>, next: string) {
  const name = `rotation/db-${++seq}`;
  fake.putSecret(name, creds(db.password));
  await getSecrets(name); // the warm function's cache holds the old value
  const rotation = fake.rotateSecret(name, creds(next));
  db.password = next; // setSecret: the database now takes only the new password
  fake.resetCalls();
  return { name, rotation };
}

useFakeSecretsManager((started) => {
  fake = started;
});

test('after rotation, work that fails authentication with the cached value is retried once with the new value', async () => {
  const db = database('old-pw');
  const { name, rotation } = await warmThenRotate(db, 'new-pw');
  rotation.finish();
  const rows = await withSecrets([name], ([json]) => db.query(json), { isAuthError });
  expect(rows).toBe('rows for app');
  expect(db.logins).toBe(2);
  expect(fake.requests).toHaveLength(1);
  // The refreshed value is cached for plain reads too.
  expect(await getSecrets(name)).toEqual([creds('new-pw')]);
  expect(fake.requests).toHaveLength(1);
});

test('concurrent callers failing authentication share one refresh', async () => {
  const db = database('old-pw');
  const { name, rotation } = await warmThenRotate(db, 'new-pw');
  rotation.finish();
  const results = await Promise.all(Array.from({ length: 10 }, () => withSecrets([name], ([json]) => db.query(json), { isAuthError })));
  expect(results).toEqual(Array(10).fill('rows for app'));
  expect(fake.requests).toHaveLength(1);
});

test('a caller failing after another already refreshed uses the new value without a request', async () => {
  const db = database('old-pw');
  const { name, rotation } = await warmThenRotate(db, 'new-pw');
  rotation.finish();
  // Caller B reads the old value, then is held until caller A has refreshed.
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  const b = withSecrets([name], async ([json]) => {
    await gate;
    return db.query(json);
  }, { isAuthError });
  await withSecrets([name], ([json]) => db.query(json), { isAuthError });
  expect(fake.requests).toHaveLength(1);
  release();
  expect(await b).toBe('rows for app');
  expect(fake.requests).toHaveLength(1);
});

test('mid-rotation (new value still AWSPENDING) the refresh returns the same value: no retry, the error is thrown', async () => {
  const db = database('old-pw');
  const { name } = await warmThenRotate(db, 'new-pw');
  const error = await rejection(withSecrets([name], ([json]) => db.query(json), { isAuthError }));
  expect(error).toBeInstanceOf(AuthError);
  expect(db.logins).toBe(1);
  expect(fake.requests).toHaveLength(1);
});

test('it never loops: a second authentication failure is thrown after one refresh', async () => {
  const db = database('old-pw');
  const { name, rotation } = await warmThenRotate(db, 'new-pw');
  rotation.finish();
  db.password = 'changed-by-someone-else';
  const error = await rejection(withSecrets([name], ([json]) => db.query(json), { isAuthError }));
  expect(error).toBeInstanceOf(AuthError);
  expect(db.logins).toBe(2);
  expect(fake.requests).toHaveLength(1);
});

test('a refresh that fails is thrown as its SecretError instead of the work\'s error, and the work is not run again', async () => {
  const db = database('old-pw');
  const { name, rotation } = await warmThenRotate(db, 'new-pw');
  rotation.finish();
  fake.injectFault({ secretId: name, kind: 'access-denied' });
  const error = await rejection(withSecrets([name], ([json]) => db.query(json), { isAuthError }));
  expect(error).toBeInstanceOf(SecretAccessDeniedError);
  expect(db.logins).toBe(1);
});

test('an error that is not an authentication error is thrown at once, without a refresh', async () => {
  const name = `rotation/db-${++seq}`;
  fake.putSecret(name, creds('pw'));
  await getSecrets(name);
  fake.resetCalls();
  const failure = new Error('connection refused');
  const error = await rejection(withSecrets([name], () => {
    throw failure;
  }, { isAuthError }));
  expect(error).toBe(failure);
  expect(fake.requests).toHaveLength(0);
});

test('several secrets: only the rotated one changes, values arrive in order', async () => {
  const db = database('old-pw');
  const { name, rotation } = await warmThenRotate(db, 'new-pw');
  rotation.finish();
  const other = `rotation/api-${++seq}`;
  fake.putSecret(other, 'api-key');
  const seen: string[][] = [];
  const rows = await withSecrets([other, name], async (values) => {
    seen.push([...values]);
    return db.query(values[1]);
  }, { isAuthError });
  expect(rows).toBe('rows for app');
  expect(seen).toEqual([['api-key', creds('old-pw')], ['api-key', creds('new-pw')]]);
});

test('a secret that cannot be read rejects with its SecretError and the work never runs', async () => {
  let ran = false;
  const error = await rejection(withSecrets([`rotation/missing-${++seq}`], () => {
    ran = true;
  }, { isAuthError }));
  expect(error).toBeInstanceOf(SecretNotFoundError);
  expect(ran).toBe(false);
});

test('ids given as one string instead of an array (plain JavaScript) throw a TypeError, not a read of each character', () => {
  const name = `rotation/db-${++seq}`;
  fake.putSecret(name, creds('pw'));
  const call = (): unknown => withSecrets(name as unknown as [string], () => 'rows', { isAuthError });
  expect(call).toThrow(TypeError);
  expect(call).toThrow(/withSecrets: the first argument must be an array of secret names or ARNs/);
});

test('the value a rotation refresh brought is still served stale in a later outage (serveStale)', async () => {
  configureSecrets({ serveStale: true, maxAgeSeconds: 1, staleWaitMs: 0 });
  const db = database('old-pw');
  const { name, rotation } = await warmThenRotate(db, 'new-pw');
  rotation.finish();
  await withSecrets([name], ([json]) => db.query(json), { isAuthError });
  await sleep(1200); // the value expired, and the cache's once-a-second sweep is due
  await getSecrets(`rotation/other-${++seq}`)[0].catch(() => undefined); // any miss runs the sweep
  fake.injectFault({ kind: 'server-error', secretId: name });
  expect(await getSecrets(name)).toEqual([creds('new-pw')]);
});

describe('a forced refresh is answered by a request sent after it was asked, not one already on its way', () => {
  /** Wait until the fake has received `count` requests (the read has left, its answer is on the way). */
  async function sent(count: number): Promise<void> {
    while (fake.requests.length < count) await sleep(5);
  }

  test('withSecrets after a rotation gets the new value while an expiry refresh sent before the rotation is still on its way', async () => {
    const db = database('old-pw');
    const name = `rotation/db-${++seq}`;
    fake.putSecret(name, creds(db.password));
    await getSecrets(name);
    fake.resetCalls();
    // Another path of the handler reads with a short max age: its refresh leaves before the rotation.
    fake.injectFault({ kind: 'late-answer', secretId: name, delayMs: 400, times: 1 });
    const expiring = getSecrets(name, { maxAgeSeconds: 0 })[0];
    await sent(1);
    fake.putSecret(name, creds('new-pw'));
    db.password = 'new-pw';
    const rows = await withSecrets([name], ([json]) => db.query(json), { isAuthError });
    expect(rows).toBe('rows for app');
    expect(await expiring).toBe(creds('old-pw'));
    // The older answer, arriving last, does not put the old value back in the cache.
    expect(await getSecrets(name)).toEqual([creds('new-pw')]);
  });

  test('a forced refresh asked for while a first read sent before the rotation is still on its way gets the new value', async () => {
    const name = `rotation/db-${++seq}`;
    fake.putSecret(name, 'old');
    fake.injectFault({ kind: 'late-answer', secretId: name, delayMs: 400, times: 1 });
    const first = getSecrets(name)[0];
    await sent(1);
    fake.putSecret(name, 'new');
    expect(await getSecrets(name, { forceRefresh: true })[0]).toBe('new');
    expect(await first).toBe('old');
    expect(await getSecrets(name)).toEqual(['new']);
  });

  test('a forced refresh asked for while a forced refresh sent before the rotation is still on its way gets the new value', async () => {
    const name = `rotation/db-${++seq}`;
    fake.putSecret(name, 'old');
    await getSecrets(name);
    fake.injectFault({ kind: 'late-answer', secretId: name, delayMs: 400, times: 1 });
    const earlier = getSecrets(name, { forceRefresh: true })[0];
    await sent(2);
    fake.putSecret(name, 'new');
    expect(await getSecrets(name, { forceRefresh: true })[0]).toBe('new');
    expect(await earlier).toBe('old');
    expect(await getSecrets(name)).toEqual(['new']);
  });

  test('a plain and a forced read of one id asked for in the same turn share one request', async () => {
    const name = `rotation/db-${++seq}`;
    fake.putSecret(name, 'old');
    await getSecrets(name);
    fake.putSecret(name, 'new');
    fake.resetCalls();
    const expiring = getSecrets(name, { maxAgeSeconds: 0 })[0];
    const forced = getSecrets(name, { forceRefresh: true })[0];
    expect([await expiring, await forced]).toEqual(['new', 'new']);
    expect(fake.requests).toHaveLength(1);
  });

  test.each([
    { answers: 'first', earlierDelayMs: 200, failureDelayMs: 600 },
    { answers: 'last', earlierDelayMs: 800, failureDelayMs: 0 },
  ])('a forced refresh that fails after replacing one still on its way leaves the newer value the earlier one brought (it answers $answers)', async ({ earlierDelayMs, failureDelayMs }) => {
    const name = `rotation/db-${++seq}`;
    fake.putSecret(name, 'old');
    await getSecrets(name);
    fake.putSecret(name, 'new');
    fake.resetCalls();
    configureSecrets({ clientConfig: { maxAttempts: 1 } });
    fake.injectFault({ kind: 'late-answer', secretId: name, delayMs: earlierDelayMs, times: 1 });
    fake.injectFault({ kind: 'server-error', secretId: name, ...failureDelayMs ? { delayMs: failureDelayMs } : {} });
    const earlier = getSecrets(name, { forceRefresh: true })[0];
    await sent(1);
    const later = rejection(getSecrets(name, { forceRefresh: true })[0]);
    expect(await earlier).toBe('new');
    expect((await later).code).toBe('InternalServiceError');
    fake.clearFaults();
    fake.resetCalls();
    expect(await getSecrets(name)).toEqual(['new']);
    expect(fake.requests).toHaveLength(0);
  });

  test('a forced refresh asked for while a first read is on its way is cached when that first read fails before it', async () => {
    const name = `rotation/db-${++seq}`;
    fake.putSecret(name, 'new');
    configureSecrets({ clientConfig: { maxAttempts: 1 } });
    fake.injectFault({ kind: 'server-error', secretId: name, delayMs: 200, times: 1 });
    fake.injectFault({ kind: 'slow', secretId: name, delayMs: 600, times: 1 });
    const first = rejection(getSecrets(name)[0]);
    await sent(1);
    const forced = getSecrets(name, { forceRefresh: true })[0];
    expect((await first).code).toBe('InternalServiceError');
    // A read between the two joins the forced refresh instead of sending a third request.
    expect(await getSecrets(name)[0]).toBe('new');
    expect(await forced).toBe('new');
    expect(fake.requests).toHaveLength(2);
    fake.resetCalls();
    expect(await getSecrets(name)).toEqual(['new']);
    expect(fake.requests).toHaveLength(0);
  });

  test('with serveStale, a forced refresh that fails rejects instead of serving the cached value', async () => {
    configureSecrets({ serveStale: true, staleWaitMs: 0 });
    const name = `rotation/db-${++seq}`;
    fake.putSecret(name, 'old');
    await getSecrets(name, { maxAgeSeconds: 0 });
    fake.injectFault({ kind: 'server-error', secretId: name });
    const error = await rejection(getSecrets(name, { forceRefresh: true, serveStale: true })[0]);
    expect(error.code).toBe('InternalServiceError');
  });

  test('with serveStale, a forced refresh asked for while an expiry refresh is still on its way gets the new value, not the stale one', async () => {
    configureSecrets({ serveStale: true, staleWaitMs: 0 });
    const name = `rotation/db-${++seq}`;
    fake.putSecret(name, 'old');
    await getSecrets(name);
    fake.resetCalls();
    fake.injectFault({ kind: 'late-answer', secretId: name, delayMs: 400, times: 1 });
    const stale = getSecrets(name, { maxAgeSeconds: 0 })[0];
    await sent(1);
    fake.putSecret(name, 'new');
    expect(await getSecrets(name, { forceRefresh: true, serveStale: true })[0]).toBe('new');
    expect(await stale).toBe('old');
  });
});
