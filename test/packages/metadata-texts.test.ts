import { describe, expect, it } from 'vitest';
import { MetadataTexts } from '../../src/packages/metadata-texts.js';

describe('MetadataTexts', () => {
  it('keeps each text by path and by the kind metadataKindOf gives its path', () => {
    const texts = MetadataTexts.of([
      ['var/lib/dpkg/status', 'Package: a\n'],
      ['app/node_modules/left-pad/package.json', '{}'],
      ['usr/lib/python3/site-packages/x-1.dist-info/RECORD', 'x.py,,1\n'],
      ['app/package.json', '{"name":"app"}'],
      ['etc/hostname', 'not a database'],
    ]);
    expect([...texts.ofKind('npm-package').keys()]).toEqual(['app/node_modules/left-pad/package.json']);
    expect([...texts.ofKind('npm-app').keys()]).toEqual(['app/package.json']);
    expect([...texts.ofKind('pip-record').keys()]).toEqual(['usr/lib/python3/site-packages/x-1.dist-info/RECORD']);
    expect([...texts.ofKind('dpkg-status').values()]).toEqual(['Package: a\n']);
    expect(texts.ofKind('apk-installed').size).toBe(0);
    // A path of no kind we read is still there by path, in no kind.
    expect(texts.get('etc/hostname')).toBe('not a database');
    expect(texts.has('etc/hostname')).toBe(true);
    expect(texts.has('etc/passwd')).toBe(false);
  });

  it('takes the kind it is given, and a later copy of a path replaces the earlier one in both', () => {
    const texts = new MetadataTexts();
    texts.add('var/lib/dpkg/info/a.list', 'dpkg-list', '/usr/bin/a\n');
    texts.add('var/lib/dpkg/info/a.list', 'dpkg-list', '/usr/bin/b\n');
    texts.add('somewhere/else', null, 'x');
    expect(texts.get('var/lib/dpkg/info/a.list')).toBe('/usr/bin/b\n');
    expect([...texts.ofKind('dpkg-list').entries()]).toEqual([['var/lib/dpkg/info/a.list', '/usr/bin/b\n']]);
    expect(texts.get('somewhere/else')).toBe('x');
  });
});
