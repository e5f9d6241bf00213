#!/bin/sh
echo "Content-type: text/html"
echo
echo '<form enctype="multipart/form-data" method="post"><input type="file" name="f"></form>'
echo "Body size: $CONTENT_LENGTH bytes"
