import createError from '@fastify/error'

/** Every error the package raises; the README "Errors" table lists them with their status codes. */
export const errors = {
  /** a plugin or `reply.zip()` option is wrong (a programming error, raised at register time) */
  InvalidOption: createError('SHIPYARD_ZIP_INVALID_OPTION', '%s', 500),
  /** an entry name is empty, absolute, has a drive letter, a `..` segment or a NUL byte */
  InvalidName: createError('SHIPYARD_ZIP_INVALID_NAME', 'Invalid entry name %s: %s', 400),
  /** two entries resolve to the same name and `duplicates` is `reject` */
  DuplicateName: createError('SHIPYARD_ZIP_DUPLICATE_NAME', 'Duplicate entry name %s', 409),
  /** an entry descriptor has none of `data`, `path`, `stream`, `directory`, or bad field types */
  InvalidEntry: createError('SHIPYARD_ZIP_INVALID_ENTRY', 'Invalid entry %s: %s', 400),
  /** a `path` entry does not exist or is not a regular file (before the first byte) */
  SourceNotFound: createError('SHIPYARD_ZIP_SOURCE_NOT_FOUND', 'Source of entry %s not found', 404),
  /** a source failed to open or read before the first byte was sent */
  SourceFailed: createError('SHIPYARD_ZIP_SOURCE_FAILED', 'Source of entry %s failed: %s', 500),
  /** the `Range` header asks for bytes beyond the archive */
  RangeNotSatisfiable: createError('SHIPYARD_ZIP_RANGE_NOT_SATISFIABLE', 'Range not satisfiable: %s', 416),
}
