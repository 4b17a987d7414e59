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

/** A step as a finding names it: described, then cut to 50 characters. */
export function shortStep(createdBy: string | null): string {
  const text = describeStep(createdBy);
  return text.length > 50 ? `${text.slice(0, 49)}…` : text;
}

/**
 * `layer N (its step, short)`, as findings name a layer; each layer's label is made once. A
 * finding names its layer once per group of files (or packages) it concerns, and describing a
 * step is linear in the step: 300 layers of 40 kB steps, each hiding copies of every one below,
 * took `audit` 95 s and 2 GB when each group described its step again.
 */
export function layerLabels(steps: readonly { readonly createdBy: string | null }[]): (index: number) => string {
  const labels = new Map<number, string>();
  return (index) => {
    let label = labels.get(index);
    if (label === undefined) {
      const step = steps[index]?.createdBy ?? null;
      label = `layer ${index}${step ? ` (${shortStep(step)})` : ''}`;
      labels.set(index, label);
    }
    return label;
  };
}
