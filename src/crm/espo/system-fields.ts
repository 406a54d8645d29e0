/**
 * The attributes EspoCRM sets itself on every save: never a value someone chose, so never a
 * condition or a field to write, and never a change an alert reports.
 */
export const ESPO_SYSTEM_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'deleted',
  'createdAt',
  'createdById',
  'modifiedAt',
  'modifiedById',
  'modifiedByName',
  'versionNumber',
  'streamUpdatedAt',
  'isFollowed',
  'followersIds',
  'followersNames',
]);
