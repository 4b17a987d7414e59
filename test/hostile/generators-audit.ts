/** Hostile inputs for `audit`, its reports and the GitHub Action (hunt 3). */
import { archiveEntries, buildImage, writeTar } from '../helpers/fixture-builder.js';

/**
 * Archive text shaped as GitHub workflow commands (`::error::`, `::add-mask::`, `##[group]`,
 * Azure's `##vso[`): tags that start a section title, one behind non-breaking spaces (the
 * runner trims them too), paths that start a line when a finding wraps, a history step.
 */
export const COMMAND_TEXTS = {
  tag: '::error title=pwned::from a tag',
  spacedTag: '\u00a0\u3000::warning::from a spaced tag',
  anywhere: 'app ##[error]from a tag',
  path: '::add-mask::secret',
  oldStyle: 'srv/##[group]from a path',
  azure: 'srv/##vso[task.setvariable variable=PATH]/tmp',
  step: 'RUN echo ##[warning]from a step',
} as const;

export async function workflowCommandArchive(): Promise<Buffer> {
  const file = (path: string, fill: number): { path: string; content: Buffer } => ({
    path,
    content: Buffer.alloc(4096, fill),
  });
  const paths = [COMMAND_TEXTS.path, COMMAND_TEXTS.oldStyle, COMMAND_TEXTS.azure];
  // A finding's "e.g." list wraps at 80 columns: the long first path puts the next at a line start.
  const long = `srv/${'x'.repeat(60)}`;
  const images = [
    await buildImage({
      tags: [COMMAND_TEXTS.tag, COMMAND_TEXTS.anywhere],
      layers: [
        { files: [file(long, 1), ...paths.map((p) => file(p, 1))] },
        { files: [file(long, 2), ...paths.map((p) => file(p, 2))] },
      ],
      history: [{ createdBy: COMMAND_TEXTS.step }, { createdBy: 'RUN chmod -R a+r /srv' }],
    }),
    await buildImage({
      tags: [COMMAND_TEXTS.spacedTag],
      layers: [{ files: [file('a', 3)] }],
    }),
  ];
  return writeTar(archiveEntries('docker-classic', images));
}
