<cfoutput>Hello #encodeForHTML(url.name)#</cfoutput>
