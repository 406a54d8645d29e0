import { SettingError } from '../config/setting-error.js';

/** DATABASE_URL for a log line: the SQLite path as given, PostgreSQL without its password or options. */
export function describeDatabase(databaseUrl: string): string {
  if (databaseUrl.startsWith('sqlite:')) return databaseUrl;
  try {
    const url = new URL(databaseUrl);
    return `postgres://${url.username ? `${decodeURIComponent(url.username)}@` : ''}${url.host}${url.pathname}`;
  } catch {
    return 'postgres (DATABASE_URL does not parse as a URL)';
  }
}

/** Transport failures: PostgreSQL was not reached at all. */
const NOT_REACHED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
]);
/** PostgreSQL's SQLSTATEs for a login or database it will not give this user (Appendix A, class 28 and 3D, 42501). */
const REFUSED_BY_POSTGRES: Record<string, string> = {
  '28P01': 'check the user and password in DATABASE_URL',
  '28000': 'check the user in DATABASE_URL and pg_hba.conf',
  '3D000': 'create the database (createdb) or name one that exists',
  '42501': 'grant the user the right to create tables in that database (or schema)',
};
/**
 * SQLite's (and the file system's) ways of saying the file cannot be written (EEXIST: a file stands where a folder
 * should be).
 */
const NOT_WRITABLE = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOTDIR',
  'EEXIST',
  'ENOENT',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
  'SQLITE_PERM',
]);

/** Why the database could not be opened, as a message naming DATABASE_URL and what to do. */
export function databaseSettingError(error: unknown, databaseUrl: string, migration?: string): SettingError {
  const failure = error as { code?: unknown; message?: unknown };
  const code = typeof failure?.code === 'string' ? failure.code : undefined;
  const said = String(failure?.message ?? error);
  const where = describeDatabase(databaseUrl);
  if (databaseUrl.startsWith('sqlite:')) {
    if (code && NOT_WRITABLE.has(code)) {
      return new SettingError(
        'database_not_writable',
        ['DATABASE_URL'],
        `DATABASE_URL (${where}) cannot be written (${said}): name a file in a folder the bot's user may write to`,
        { cause: error },
      );
    }
    return new SettingError(
      'database_failed',
      ['DATABASE_URL'],
      `DATABASE_URL (${where}) could not be opened as a SQLite database (${said})${migration ? ` in migration ${migration}` : ''}`,
      { cause: error },
    );
  }
  if ((code && NOT_REACHED.has(code)) || /timeout/i.test(said)) {
    return new SettingError(
      'database_unreachable',
      ['DATABASE_URL'],
      `DATABASE_URL (${where}): PostgreSQL could not be reached (${code ?? said}): start it, or check the host and port`,
      { cause: error },
    );
  }
  if (code && REFUSED_BY_POSTGRES[code]) {
    return new SettingError(
      'database_refused',
      ['DATABASE_URL'],
      `DATABASE_URL (${where}) was refused by PostgreSQL (${said}): ${REFUSED_BY_POSTGRES[code]}`,
      { cause: error },
    );
  }
  return new SettingError(
    'database_failed',
    ['DATABASE_URL'],
    `DATABASE_URL (${where}): the database could not be prepared${migration ? ` (migration ${migration})` : ''}: ${said}`,
    { cause: error },
  );
}
