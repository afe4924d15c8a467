//! XLSForm instruments and survey responses, read from and written to files.
