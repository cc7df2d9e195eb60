import createError from '@fastify/error'

/** Every error the plugin raises; the README's "Errors" table lists the same codes and statuses. */
export const errors = {
  /** A plugin option is missing or invalid (thrown at register time). */
  InvalidOption: createError('SHIPYARD_S3_INVALID_OPTION', '%s', 500),
  /** The file is larger than `maxFileSize` (answered as soon as the limit is crossed). */
  FileTooLarge: createError('SHIPYARD_S3_FILE_TOO_LARGE', 'The file is larger than the limit of %s bytes', 413),
  /** More files in one request than `maxFiles`. */
  TooManyFiles: createError('SHIPYARD_S3_TOO_MANY_FILES', 'At most %s file(s) may be uploaded at once', 413),
  /** The request held no file (or an empty one). */
  NoFile: createError('SHIPYARD_S3_NO_FILE', 'No file was uploaded', 400),
  /** The request is not multipart/form-data. */
  NotMultipart: createError('SHIPYARD_S3_NOT_MULTIPART', 'The request must be multipart/form-data', 415),
  /** The sniffed content type is not in `allowedTypes`. */
  TypeNotAllowed: createError('SHIPYARD_S3_TYPE_NOT_ALLOWED', 'Files of type %s are not accepted', 415),
  /** The declared Content-Type or the file name's extension contradicts the bytes. */
  TypeMismatch: createError('SHIPYARD_S3_TYPE_MISMATCH', 'The file claims to be %s but its content is %s', 415),
  /** The client went away before the file was complete (logged; nobody is left to answer). */
  ClientAborted: createError('SHIPYARD_S3_CLIENT_ABORTED', 'The client disconnected before the upload was complete', 400),
  /** The store (S3 or the filesystem) failed. */
  StoreFailed: createError('SHIPYARD_S3_STORE_FAILED', 'The file could not be stored: %s', 502),
  /** A direct-upload request asked for something the plugin does not allow. */
  InvalidDirectUpload: createError('SHIPYARD_S3_INVALID_DIRECT_UPLOAD', '%s', 400),
  /** The completion check found no object under the key, or one with the wrong size or type. */
  UploadIncomplete: createError('SHIPYARD_S3_UPLOAD_INCOMPLETE', 'The upload is not complete: %s', 409),
}

export type UploadError = InstanceType<typeof errors[keyof typeof errors]>
