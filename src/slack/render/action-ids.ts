/** Action ids the listeners register; one place so renderer and listeners cannot drift apart. */
export const ACTION_IDS = {
  confirm: 'espo_confirm',
  cancel: 'espo_cancel',
  page: 'espo_page',
  share: 'espo_share',
  show: /^espo_show:/,
  showPrefix: 'espo_show:',
  openLink: /^espo_open/,
  newRecord: 'espo_new',
  editRecord: 'espo_edit',
} as const;
