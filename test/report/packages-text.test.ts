import { describe, expect, it } from 'vitest';
import { codePointCount } from '../../src/report/code-points.js';
import { renderPackagesText } from '../../src/report/packages-text.js';
import type { ImagePackages, PackageRecord } from '../../src/packages/types.js';
import { imageReport, layerReport } from '../helpers/reports.js';

const pkg = (name: string, version: string, size: number): PackageRecord => ({
  ecosystem: name.startsWith('@') ? 'npm' : 'dpkg',
  name,
  version,
  size,
  fileCount: 3,
  layerIndex: 0,
});

// Real names that differ past their 20th character (Debian's google-cloud-cli-*, npm's scoped packages).
const packages = [
  pkg('google-cloud-cli-firestore-emulator', '528.0.0-0', 53_400_000),
  pkg('google-cloud-cli-kpt', '528.0.0-0', 52_500_000),
  pkg('google-cloud-cli-log-streaming', '528.0.0-0', 49_700_000),
  pkg('@aws-sdk/client-cognito-identity-provider', '3.700.0', 2_000_000),
  pkg('samba-libs', '2:4.17.12+dfsg-0+deb12u1', 25_000_000),
];
const result: ImagePackages = { packages, unownedSize: 0, unownedByFolder: [], problems: [] };
const render = (width?: number) => renderPackagesText(imageReport([layerReport(0, [])]), result, 182_600_000, width);
const tableOf = (lines: string[]) =>
  lines.slice(lines.indexOf('    packages (5):') + 1, lines.indexOf('    packages (5):') + 7);

describe('inspect --packages text', () => {
  it('shows whole names and versions where the terminal is wide enough', () => {
    const text = render(160).join('\n');
    for (const p of packages) expect(text).toContain(`${p.name}  `);
    expect(text).toContain('2:4.17.12+dfsg-0+deb12u1');
  });

  it('fits 80 columns, names giving way first', () => {
    const table = tableOf(render(80));
    expect(Math.max(...table.map((line) => codePointCount(line)))).toBeLessThanOrEqual(80);
    expect(table.join('\n')).toContain('google-cloud-cli-kpt ');
    expect(table.join('\n')).toMatch(/google-cloud-cli-fi\S*…/);
  });

  it('clips nothing a real package is named with when the width is unlimited (COLUMNS=0)', () => {
    const text = render(0).join('\n');
    for (const p of packages) expect(text).toContain(`${p.name}  `);
    expect(text).not.toContain('…');
  });
});
