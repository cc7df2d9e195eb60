import createError from '@fastify/error'

/** Every error the package raises; `statusCode` is what the client receives when the error reaches Fastify. */
export const errors = {
  InvalidOption: createError('SHIPYARD_FORM_INVALID_OPTION', '%s', 500),
  InvalidForm: createError('SHIPYARD_FORM_INVALID_DEFINITION', '%s', 500),
  AlreadyBound: createError('SHIPYARD_FORM_ALREADY_BOUND', 'This request\'s multipart body was already bound: call bindForm once per request', 500),
  CsrfMissing: createError('SHIPYARD_FORM_CSRF_MISSING', 'CSRF token missing: %s', 403),
  CsrfInvalid: createError('SHIPYARD_FORM_CSRF_INVALID', 'CSRF token invalid: %s', 403),
  UnsupportedMediaType: createError('SHIPYARD_FORM_UNSUPPORTED_MEDIA_TYPE', 'Form bodies must be application/x-www-form-urlencoded or multipart/form-data, got %s', 415),
  TooManyFields: createError('SHIPYARD_FORM_TOO_MANY_FIELDS', 'Form body has more than %s fields', 413),
  TooManyParts: createError('SHIPYARD_FORM_TOO_MANY_PARTS', 'Multipart body has more than %s parts', 413),
  TooManyFiles: createError('SHIPYARD_FORM_TOO_MANY_FILES', 'Multipart body has more than %s files', 413),
  FieldTooLarge: createError('SHIPYARD_FORM_FIELD_TOO_LARGE', 'Field "%s" is larger than %s bytes', 413),
  FileTooLarge: createError('SHIPYARD_FORM_FILE_TOO_LARGE', 'File "%s" is larger than %s bytes', 413),
  FileTypeRejected: createError('SHIPYARD_FORM_FILE_TYPE_REJECTED', 'File "%s" is not one of: %s', 415),
  MalformedBody: createError('SHIPYARD_FORM_MALFORMED_BODY', 'Malformed form body: %s', 400),
  ClientAborted: createError('SHIPYARD_FORM_CLIENT_ABORTED', 'The client closed the request before the form body was complete', 400),
}
