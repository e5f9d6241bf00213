<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<p>Hello ${param.name}, you have ${cart.size} items.</p>
<p>${pageContext.request.contextPath}</p>
