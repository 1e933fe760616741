/** Naming rules shared by the generator's emitters: identifiers, class names, type names. */

/** `purge-cache` -> `PurgeCache`, `list-lastFires-response` -> `ListLastFiresResponse`. */
export function pascalCase(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/** `PurgeCache` -> `purgeCache`. */
export function camelCase(text: string): string {
  const pascal = pascalCase(text);
  return pascal[0]!.toLowerCase() + pascal.slice(1);
}

/**
 * The class name of a service: PascalCase of its name, except where that would be unclear or
 * shadow a global (`object` -> `ObjectService`, `ec2-manager` -> `EC2Manager`).
 */
const CLASS_NAMES: Readonly<Record<string, string>> = {
  object: 'ObjectService',
  'ec2-manager': 'EC2Manager',
};

export function serviceClassName(serviceName: string): string {
  return CLASS_NAMES[serviceName] ?? pascalCase(serviceName);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Whether `name` can be written unquoted as a property or variable name. */
export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/** A property key as TypeScript source: bare when it is an identifier, quoted otherwise. */
export function propertyKey(name: string): string {
  return isIdentifier(name) ? name : `'${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Code-point order, independent of the locale, so output is the same on every machine. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
