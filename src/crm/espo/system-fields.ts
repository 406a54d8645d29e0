/**
 * The attributes EspoCRM manages itself on every save (entity defs' `id`, `deleted`, the created
 * and modified stamps, the stream's and the followers' bookkeeping): setting one from Slack would
 * at best be ignored, at worst retarget a write; none is a condition an alert can wait for, or a
 * change an alert reports.
 */
export const SYSTEM_FIELDS: ReadonlySet<string> = new Set([
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
