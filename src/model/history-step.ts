/**
 * A history `created_by` as a user wrote it in the Dockerfile: the legacy builder records
 * `/bin/sh -c #(nop) ENV A=b` for metadata steps and `/bin/sh -c apt-get …` for RUN steps.
 */
export function describeStep(createdBy: string | null): string {
  if (createdBy === null) return '';
  let text = createdBy.replace(/\s+/g, ' ').trim();
  const nop = /^\/bin\/sh -c #\(nop\)\s*/;
  if (nop.test(text)) return text.replace(nop, '');
  if (text.startsWith('/bin/sh -c ')) text = `RUN ${text.slice('/bin/sh -c '.length)}`;
  return text.replace(/ # buildkit$/, '');
}
