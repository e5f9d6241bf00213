var o = eval("(" + request.responseText + ")");
